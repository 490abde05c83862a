/** The root config without its global setup: rendering tests need neither PostgreSQL nor Temporal. */
const path = require('node:path');
const root = require('../../jest.config.js');

const { globalSetup: _setup, globalTeardown: _teardown, ...rest } = root;

module.exports = {
  ...rest,
  rootDir: path.resolve(__dirname, '../..'),
  testMatch: ['<rootDir>/test/line-render/**/*.test.ts'],
  testTimeout: 30000,
};
