// Loaded before each test file in the browser run only: tells test/runtime.test.ts which runtime
// the runner meant to use, so a misconfigured runner (tests silently in Node) fails.
(globalThis as { __WSFRAME_RUNTIME__?: string }).__WSFRAME_RUNTIME__ = 'browser';
