// Preloaded (first) into every start-up run: at exit, writes the process's own CPU time and peak
// RSS as one JSON line on stderr, so the parent measures the child without external tools.
'use strict';
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\nstartup-usage ${JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssKiB: usage.maxRSS })}\n`);
});
