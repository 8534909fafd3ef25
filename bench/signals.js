// Cleaning up after an interrupted run: what the runner changed or started (the loopback routes,
// the test servers) is put back or stopped on Ctrl-C / SIGTERM as well as at the end.
'use strict';

/**
 * Runs `cleanup` if the process gets SIGINT or SIGTERM, then lets the signal end the process as
 * it would have. Returns the function that takes the handlers off again (call it once the
 * cleanup has run the normal way).
 */
function onInterrupt(cleanup) {
  const onSignal = (signal) => {
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}

module.exports = { onInterrupt };
