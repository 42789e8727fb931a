// Child processes are started in their own process group (detached) so that stopping one
// stops everything it started: the original lost locks to orphaned grandchildren (#1055) and
// to a CLI that never exited after its final message (#606).

/** Signal a whole process group; a group that is already gone is not an error. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** SIGTERM the group, then SIGKILL after `graceMs` unless `exited` settles first. */
export async function terminateGroup(pid: number | undefined, exited: Promise<unknown>, graceMs: number): Promise<void> {
  signalGroup(pid, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<"grace">((resolve) => {
    timer = setTimeout(() => resolve("grace"), graceMs);
  });
  const first = await Promise.race([exited.then(() => "exited" as const, () => "exited" as const), grace]);
  clearTimeout(timer);
  // Even when the leader exited on SIGTERM, members that ignored it must not outlive the run.
  signalGroup(pid, "SIGKILL");
  if (first === "grace") await exited.catch(() => undefined);
}
