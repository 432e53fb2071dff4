/** Lets every queued microtask (event deliveries, promise chains) run. */
export async function flush(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
