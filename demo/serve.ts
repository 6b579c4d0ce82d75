// npm run web [-- --port 8080]: builds the demo pages into dist/web and serves them on 127.0.0.1.
import { buildDemo, serveDemo } from './server.js';

const args = process.argv.slice(2);
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? Number(args[portAt + 1]) : 8080;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('--port: a port number (0 picks a free one)');
  process.exit(2);
}
const built = await buildDemo(process.cwd());
if (!built.weights) {
  console.warn(
    'weights/lyra-v2 is missing: the page will say so. Make it with `npx soundstream import-tflite ../shared/lyra-v2` or `npx soundstream fetch-weights lyra-v2`.',
  );
}
const { url } = await serveDemo(built.dir, port);
console.log(`soundstream-ts demo (static folder: ${built.dir}):`);
console.log(`  ${url}              cross-origin isolated: SharedArrayBuffer rings`);
console.log(`  ${url}?isolated=0   not isolated: MessagePorts`);
console.log(`  ${url}call.html     a call between two tabs or browsers (WebRTC; open the invitation link it shows)`);
console.log('Ctrl-C stops it.');
