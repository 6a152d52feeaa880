// The baseline: a bare node:http server that reads the body and answers 200.
import { createServer } from "node:http";

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    Buffer.concat(chunks);
    res.writeHead(200, { "content-length": "0" });
    res.end();
  });
});
process.on("SIGINT", () => process.exit(0));
server.listen(Number(process.env.PORT), "127.0.0.1", () =>
  console.log(JSON.stringify({ url: `http://127.0.0.1:${process.env.PORT}/slack/events` })),
);
