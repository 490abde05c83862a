/** The emulator tests are pure HTTP on loopback: the root config minus the PostgreSQL/Temporal global setup. */
const path = require('node:path');
const { globalSetup: _setup, globalTeardown: _teardown, ...base } = require('../../jest.config.js');

module.exports = {
  ...base,
  rootDir: path.resolve(__dirname, '../..'),
  testMatch: ['<rootDir>/test/emulators/**/*.test.ts'],
  testTimeout: 20000,
};
