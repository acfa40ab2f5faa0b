import type { Progress } from './rehearsal.js';

const secs = (ms: number): string => `${(ms / 1000).toFixed(1).padStart(5)}s`;

export function statusLine(p: Extract<Progress, { type: 'status' }>): string {
  const peers = p.peers.map((n) => (n === null ? '-' : String(n))).join(' ');
  const consistency = p.consistency === null ? 'n/a' : `${(p.consistency * 100).toFixed(2)}%`;
  return `${secs(p.t)}  stage ${p.stage.padEnd(7)}  peers [${peers}]  consistency ${consistency}  messages ${p.delivered}/${p.sent} delivered`;
}

/**
 * Progress on a terminal: events scroll, the status line stays at the bottom and is rewritten.
 * Elsewhere: plain lines, an event per line and the status every `plainEveryMs`.
 */
export function progressPrinter(out: NodeJS.WriteStream, plainEveryMs = 5000): { write: (p: Progress) => void; end: () => void } {
  const tty = out.isTTY === true;
  let last = '';
  let lastPlain = -Infinity;
  return {
    write(p) {
      if (p.type === 'event') {
        if (tty) out.write(`\r\x1b[K${secs(p.t)}  ${p.text}\n${last}`);
        else out.write(`${secs(p.t)}  ${p.text}\n`);
        return;
      }
      last = statusLine(p);
      if (tty) out.write(`\r\x1b[K${last}`);
      else if (p.t - lastPlain >= plainEveryMs) {
        lastPlain = p.t;
        out.write(`${last}\n`);
      }
    },
    end() {
      if (tty && last) out.write(`\r\x1b[K${last}\n`);
    },
  };
}
