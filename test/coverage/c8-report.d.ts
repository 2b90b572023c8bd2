// The part of c8's report module test/coverage/report.ts uses (c8 ships no types).
declare module 'c8/lib/report' {
  import type { CoverageMap } from 'istanbul-lib-coverage';
  interface ReportOptions {
    tempDirectory: string;
    reporter: string[];
    src: string[];
    include: string[];
    exclude: string[];
    excludeNodeModules: boolean;
    mergeAsync: boolean;
    resolve: string;
    wrapperLength: number;
  }
  interface Report {
    getCoverageMapFromAllCoverageFiles(): Promise<CoverageMap>;
  }
  export default function createReport(options: ReportOptions): Report;
}
