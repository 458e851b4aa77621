import { main } from './program';

await main(process.argv);
