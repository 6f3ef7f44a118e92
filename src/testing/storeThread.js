// A thread for the shared store's tests (src/explorer/sharedStore.test.ts): registers the CLI's
// loader (loader hooks are per thread), then plays a role in each round the test posts.
//   prober: stops at the growth the test's thread asked for, then re-adds the states stored
//           before it and reports how many the store took for new (it must be none);
//   stopper: stops the search after a random short while.
import { parentPort, workerData } from 'node:worker_threads';
import { registerLoader } from '../../bin/loader.js';

registerLoader();
const { SharedStore } = await import('../explorer/sharedStore.ts');
parentPort.on('message', ({ buffers, keys, stopWithinMs }) => {
  const store = new SharedStore(undefined, buffers);
  if (workerData.role === 'stopper') {
    const until = performance.now() + Math.random() * stopWithinMs;
    while (performance.now() < until) {
      /* a random moment in the growth */
    }
    store.claimStop(1);
    parentPort.postMessage({ done: true });
    return;
  }
  store.sync();
  let fresh = 0;
  for (let i = 0; i < keys; i++) if (store.add({ hi: i + 1, lo: Math.imul(i + 1, 0x9e3779b1) | 1 }, -1, 0, Number.POSITIVE_INFINITY) >= 0) fresh++;
  parentPort.postMessage({ fresh });
});
parentPort.postMessage({ ready: true });
