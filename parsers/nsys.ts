/**
 * The Nsight Systems format modules for the registry: sqlite (plain or .gz), JSON and
 * Arrow exports (plain or .gz), parquetdir directories, and .nsys-rep reports (exported
 * with `nsys` when it is on PATH). The readers share one row mapping (nsys-common.ts).
 */
import type { FormatModule } from "./registry.js";
import { parseNsysArrow, sniffNsysArrow } from "./nsys-arrow.js";
import { parseNsysJson, sniffNsysJson } from "./nsys-json.js";
import { parseNsysParquetDir, sniffNsysParquetDir } from "./nsys-parquet.js";
import { parseNsysRep, sniffNsysRep } from "./nsys-rep.js";
import { parseNsysSqlite, sniffSqlite } from "./nsys-sqlite.js";

export const NSYS_FORMATS: FormatModule[] = [
  {
    id: "nsys-sqlite",
    description: "Nsight Systems SQLite export (nsys export --type sqlite; .sqlite, .sqlite.gz)",
    // any SQLite database: the reader says clearly when it is not an nsys export
    sniff: (head) => sniffSqlite(head),
    parse: (path, options) => parseNsysSqlite(path, options),
  },
  {
    id: "nsys-json",
    description: "Nsight Systems JSON export (nsys export --type json; .json, .json.gz)",
    sniff: (head) => sniffNsysJson(head),
    parse: (path, options) => parseNsysJson(path, options),
  },
  {
    id: "nsys-arrow",
    description: "Nsight Systems Arrow export (nsys export --type arrow; .arrow, .arrow.gz)",
    sniff: (head) => sniffNsysArrow(head),
    parse: (path, options) => parseNsysArrow(path, options),
  },
  {
    id: "nsys-parquet",
    description: "Nsight Systems Parquet export (nsys export --type parquetdir; a directory)",
    sniff: () => false,
    sniffDirectory: (path) => sniffNsysParquetDir(path),
    parse: (path) => parseNsysParquetDir(path),
  },
  {
    id: "nsys-rep",
    description: "Nsight Systems report (.nsys-rep; needs nsys on PATH to export it)",
    sniff: (_head, name) => sniffNsysRep(name),
    parse: (path) => parseNsysRep(path),
  },
];
