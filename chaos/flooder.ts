// Opens <count> TCP connections to <host>:<port> that never send a byte, and holds them.
// `reconnect`: a connection the server closes is opened again at once (a persistent attacker).
// Prints "ready <open>" once every connection was tried, then "open <n> closed <m>" each second.
import { connect, type Socket } from "node:net";

const [host, port, countArg, mode] = process.argv.slice(2);
const count = Number(countArg);
const reconnect = mode === "reconnect";
const sockets = new Set<Socket>();
let closed = 0;
let stopping = false;

function open(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: host!, port: Number(port) });
    socket.on("connect", () => {
      sockets.add(socket);
      resolve();
    });
    socket.on("error", () => resolve());
    socket.on("close", () => {
      if (sockets.delete(socket)) closed++;
      resolve();
      if (reconnect && !stopping) setTimeout(() => void open(), 10);
    });
    // Whatever the server says (a 408 when it times the connection out) is read and dropped.
    socket.resume();
  });
}

for (let started = 0; started < count; ) {
  const wave = Math.min(500, count - started);
  await Promise.all(Array.from({ length: wave }, open));
  started += wave;
}
process.stdout.write(`ready ${sockets.size}\n`);
setInterval(() => process.stdout.write(`open ${sockets.size} closed ${closed}\n`), 1000);
process.on("SIGTERM", () => {
  stopping = true;
  for (const s of sockets) s.destroy();
  process.exit(0);
});
