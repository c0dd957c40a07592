import * as fs from 'fs';
import * as path from 'path';
import { writeReports } from '../lib/report/report';

export interface ReportCliOptions {
  /** The folder of generated YAML. @default 'dist' */
  readonly dist?: string;
  /** Where the pages go. @default 'report' */
  readonly out?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
}

/** `npm run report [dist] [out]`: one HTML page per app folder; 0 on success, 2 when the YAML cannot be read. */
export function main(options: ReportCliOptions = {}): number {
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const error = options.error ?? ((l: string) => process.stderr.write(l + '\n'));
  const cwd = options.cwd ?? process.cwd();
  const dist = options.dist ?? 'dist';
  if (!fs.existsSync(path.resolve(cwd, dist))) {
    error(`meshforge report: ${dist} does not exist (run npm run synth first)`);
    return 2;
  }
  try {
    const written = writeReports(dist, options.out ?? 'report', { cwd });
    if (written.length === 0) {
      error(`meshforge report: no YAML found under ${dist}`);
      return 2;
    }
    for (const w of written) log(`wrote ${w}`);
    return 0;
  } catch (e) {
    error(`meshforge report failed: ${(e as Error).message}`);
    return 2;
  }
}

if (require.main === module) {
  const [dist, out] = process.argv.slice(2);
  process.exitCode = main({ dist, out });
}
