/**
 * One suite, both managers: the same cases and their expect() assertions
 * (test/helpers/conformance-cases.ts, shared with the codemod's end-to-end test) over real ws
 * connections on loopback, with peers in child processes. Each manager gets its own address block
 * (legacy 127.0.20.x, unified 127.0.21.x).
 */
import { describeConformance } from './helpers/conformance-cases.js';

describeConformance('legacy', { kind: 'legacy', block: 20, locks: { perSend: 3, perSeen: 1 } });
describeConformance('unified', { kind: 'unified', block: 21, locks: { perSend: 1, perSendAtMost: true, perSeen: 0 }, keepAliveTimers: 'pooled' });
