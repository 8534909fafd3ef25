// Jest setup (root config): no log lines on the test output. Without a logger, Stowage prints
// warnings and errors to stderr, and the suites make failures on purpose by the thousand; specs
// that check logging set their own logger, and logging.spec.ts checks the stderr default in a
// child process.
require('..').setLogger(null);
