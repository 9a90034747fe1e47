import crypto from 'node:crypto';

/** Tag every process this test run starts (children inherit SIM_* variables), so the teardown can find leaks. */
export default function globalSetup() {
  process.env.SIM_TEST_RUN = crypto.randomUUID();
}
