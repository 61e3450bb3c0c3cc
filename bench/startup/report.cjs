// Preloaded (first) into every start-up run: at exit, writes the process's own CPU time and peak
// RSS as one JSON line on stderr, so the parent measures the child without external tools.
// Peak RSS is VmHWM from /proc/self/status (Linux): `process.resourceUsage().maxRSS` is kept
// across exec, so a child spawned by a large parent reported the parent's RSS at fork time.
'use strict';
const { readFileSync } = require('node:fs');

function peakRssKiB() {
  try {
    const line = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (line) return Number(line[1]);
  } catch {
    // Not Linux: the rusage figure, with the caveat above.
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\nstartup-usage ${JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssKiB: peakRssKiB() })}\n`);
});
