import type { Store } from './ports/store';

/** One read per result, in the order of the results. */
export type Reads<T extends readonly unknown[]> = { readonly [K in keyof T]: () => Promise<T[K]> };

/**
 * Runs independent reads of one store: at once on a pool (each read takes a
 * connection of its own), one after another in a transaction. A transaction
 * holds one connection, which runs one query at a time: reads started
 * together there would pile up in pg's own queue, which pg 8 deprecates and
 * pg 9 refuses ("client.query() while already executing").
 */
export async function readTogether<T extends readonly unknown[]>(
  store: Pick<Store, 'inTransaction'>,
  reads: Reads<[...T]>,
): Promise<T> {
  if (!store.inTransaction) return (await Promise.all(reads.map((read) => read()))) as unknown as T;
  const results: unknown[] = [];
  for (const read of reads) results.push(await read());
  return results as unknown as T;
}
