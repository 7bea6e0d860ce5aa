import { runOurs } from './data-runs.js';
const r = await runOurs({ root: `.bench/${process.env.DS ?? 'fmnist'}-jpeg-2000`, mode: (process.env.MODE ?? 'main') as 'main', workers: 2, epochs: 2 });
console.log(r.imagesPerSecond, r.cpuMsPerImage);
