/**
 * `GET /api/v1/system-info` (`nym-node.md` §2.1): operating system, CPUs, memory and crypto
 * instruction support, gated by `http.expose_system_hardware` / `expose_crypto_hardware`.
 * The real node reads these with `sysinfo` and `cpuid`; here they come from `/etc/os-release`,
 * `/proc/cpuinfo` and Deno's system APIs (CPU flags as the kernel reports them).
 *
 * @module
 */

/** `Cpu` (field order as the real node). */
export interface CpuInfo {
  readonly name: string;
  /** MHz. */
  readonly frequency: number;
  readonly vendor_id: string;
  readonly brand: string;
}

/** `CryptoHardware`. */
export interface CryptoHardware {
  readonly aesni: boolean;
  readonly avx2: boolean;
  readonly smt_logical_processor_count: number[];
  readonly osxsave: boolean;
  readonly sgx: boolean;
  readonly xsave: boolean;
}

/** `Hardware`. */
export interface Hardware {
  readonly cpu: CpuInfo[];
  /** Bytes. */
  readonly total_memory: number;
  readonly crypto: CryptoHardware | null;
}

/** `HostSystem`. */
export interface HostSystem {
  readonly system_name: string | null;
  readonly kernel_version: string | null;
  readonly os_version: string | null;
  readonly cpu_arch: string | null;
  readonly hardware: Hardware | null;
}

/** Where system facts come from (injectable for tests). */
export interface SystemSources {
  /** Reads a text file, or returns `null` if it cannot. */
  readText(path: string): string | null;
  /** The kernel release (`uname -r`), or `null`. */
  kernelRelease(): string | null;
  /** The CPU architecture, e.g. `x86_64`. */
  arch(): string;
  /** Total RAM in bytes. */
  totalMemory(): number;
}

/**
 * The real machine (needs `--allow-read` and `--allow-sys`).
 *
 * @example
 * ```ts no-eval
 * import { collectSystemInfo, hostSystemSources } from "./system_info.ts";
 * collectSystemInfo({ exposeHardware: true, exposeCrypto: true, sources: hostSystemSources });
 * ```
 */
export const hostSystemSources: SystemSources = {
  readText(path) {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return null;
    }
  },
  kernelRelease() {
    try {
      return Deno.osRelease();
    } catch {
      return null;
    }
  },
  arch: () => Deno.build.arch,
  totalMemory() {
    try {
      return Deno.systemMemoryInfo().total;
    } catch {
      return 0;
    }
  },
};

/**
 * Reads `NAME` and `VERSION_ID` from `/etc/os-release` text.
 *
 * @example
 * ```ts
 * import { parseOsRelease } from "./system_info.ts";
 * parseOsRelease('NAME="Debian GNU/Linux"\nVERSION_ID="12"\n'); // { name: "Debian GNU/Linux", versionId: "12" }
 * ```
 */
export function parseOsRelease(text: string): { name: string | null; versionId: string | null } {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values.set(match[1], match[2].replace(/^(["'])(.*)\1$/, "$2"));
  }
  return { name: values.get("NAME") ?? null, versionId: values.get("VERSION_ID") ?? null };
}

/**
 * Parses `/proc/cpuinfo`: one entry per logical CPU, the first CPU's flags, and threads per core.
 *
 * @example
 * ```ts
 * import { parseCpuInfo } from "./system_info.ts";
 * parseCpuInfo("processor\t: 0\nvendor_id\t: X\nmodel name\t: Y\ncpu MHz\t\t: 2000.5\nflags\t\t: aes avx2\n").cpus;
 * // [{ name: "cpu0", frequency: 2000, vendor_id: "X", brand: "Y" }]
 * ```
 */
export function parseCpuInfo(
  text: string,
): { cpus: CpuInfo[]; flags: Set<string>; threadsPerCore: number | null } {
  const cpus: CpuInfo[] = [];
  let flags: Set<string> | null = null;
  let threadsPerCore: number | null = null;
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    if (!fields.has("processor")) continue;
    cpus.push({
      name: `cpu${cpus.length}`,
      frequency: Math.trunc(Number(fields.get("cpu MHz") ?? "0")) || 0,
      vendor_id: fields.get("vendor_id") ?? "",
      brand: fields.get("model name") ?? "",
    });
    flags ??= new Set((fields.get("flags") ?? "").split(/\s+/).filter(Boolean));
    const siblings = Number(fields.get("siblings"));
    const cores = Number(fields.get("cpu cores"));
    if (threadsPerCore === null && siblings > 0 && cores > 0) {
      threadsPerCore = Math.max(1, Math.round(siblings / cores));
    }
  }
  return { cpus, flags: flags ?? new Set(), threadsPerCore };
}

/** Options of {@linkcode collectSystemInfo}. */
export interface SystemInfoOptions {
  /** `http.expose_system_hardware`: include CPUs and memory. */
  readonly exposeHardware: boolean;
  /** `http.expose_crypto_hardware`: include instruction-set flags (needs hardware). */
  readonly exposeCrypto: boolean;
  /** Where to read from (default: this machine). */
  readonly sources?: SystemSources;
}

/**
 * Collects the `HostSystem` document.
 *
 * @example
 * ```ts no-eval
 * import { collectSystemInfo } from "./system_info.ts";
 * collectSystemInfo({ exposeHardware: false, exposeCrypto: false }).hardware; // null
 * ```
 */
export function collectSystemInfo(options: SystemInfoOptions): HostSystem {
  const sources = options.sources ?? hostSystemSources;
  const os = parseOsRelease(sources.readText("/etc/os-release") ?? "");
  let hardware: Hardware | null = null;
  if (options.exposeHardware) {
    const cpu = parseCpuInfo(sources.readText("/proc/cpuinfo") ?? "");
    const crypto: CryptoHardware | null = options.exposeCrypto
      ? {
        aesni: cpu.flags.has("aes"),
        avx2: cpu.flags.has("avx2"),
        smt_logical_processor_count: cpu.threadsPerCore === null ? [] : [cpu.threadsPerCore],
        // The kernel lists "xsave" only when it has enabled XSAVE, i.e. OSXSAVE is set.
        osxsave: cpu.flags.has("osxsave") || cpu.flags.has("xsave"),
        sgx: cpu.flags.has("sgx"),
        xsave: cpu.flags.has("xsave"),
      }
      : null;
    hardware = { cpu: cpu.cpus, total_memory: sources.totalMemory(), crypto };
  }
  return {
    system_name: os.name,
    kernel_version: sources.kernelRelease(),
    os_version: os.versionId,
    cpu_arch: sources.arch(),
    hardware,
  };
}
