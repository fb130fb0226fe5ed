/** The messages between the bench runner and an app process (Node's IPC channel). */
export type ParentMessage =
  | { type: 'stats' }
  | { type: 'stop' }
  /** Start V8's CPU profiler (the one `node --cpu-prof` uses), for the measured phase only. */
  | { type: 'profile-start' }
  /** Stop it and write the profile to `file` (a .cpuprofile Chrome DevTools and profile-summary read). */
  | { type: 'profile-stop'; file: string };

export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'stats'; counters: Record<string, number>; rss: number; /** process.cpuUsage() user + system, µs */ cpuMicros: number }
  | { type: 'profile-started' }
  | { type: 'profile-saved'; file: string };
