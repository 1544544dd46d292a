/**
 * A separate process that creates builds in a repository, for the test that
 * build numbers stay sequential when several coordinators share one database.
 * Usage: create-builds.ts <database JSON> <repo id> <count>; prints the numbers as JSON.
 */
import { openStore } from '../../services/coordinator/store/index.js';

const [databaseJson, repoId, count] = process.argv.slice(2);
const store = await openStore({ database: JSON.parse(databaseJson ?? '{}') });
const numbers: number[] = [];
await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    const { build } = await store.builds.create(Number(repoId), {
      event: 'push',
      ref: 'refs/heads/main',
      sha: String(i).padStart(40, '0'),
    });
    numbers.push(build.number);
  }),
);
await store.close();
process.stdout.write(JSON.stringify(numbers));
