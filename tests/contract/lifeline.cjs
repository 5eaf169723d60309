// Loaded in front of Prism with `node --require` by `cargo xtask test` (xtask/src/contract.rs).
//
// xtask holds the only write end of this process's stdin. When xtask ends for any reason
// (normal exit, Ctrl-C, SIGTERM, even SIGKILL) the kernel closes that pipe, stdin reaches end
// of file here, and Prism exits with it: no mock server outlives the run.
'use strict';

const stop = () => process.exit(0);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
