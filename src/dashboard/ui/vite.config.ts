import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The page the server in src/dashboard serves at /dashboard/. Everything it loads is a file of its
// own (no inline script or style), so the server's Content-Security-Policy can forbid inline code.
export default defineConfig({
  root: here("."),
  base: "/dashboard/",
  logLevel: "warn",
  build: {
    outDir: here("../../../dist/dashboard-ui"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // The polyfill would be an extra script; every browser the page targets has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rolldownOptions: {
      input: { index: here("index.html"), login: here("login.html") },
    },
  },
});
