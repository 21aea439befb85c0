import { assertEquals } from "../testing/asserts.ts";
import { collectSystemInfo, parseCpuInfo, type SystemSources } from "./system_info.ts";

const CPUINFO = [
  "processor\t: 0",
  "vendor_id\t: GenuineIntel",
  "model name\t: Intel(R) Xeon(R) CPU",
  "cpu MHz\t\t: 2399.998",
  "siblings\t: 4",
  "cpu cores\t: 2",
  "flags\t\t: fpu aes avx2 xsave sgx",
  "",
  "processor\t: 1",
  "vendor_id\t: GenuineIntel",
  "model name\t: Intel(R) Xeon(R) CPU",
  "cpu MHz\t\t: 1200.000",
  "siblings\t: 4",
  "cpu cores\t: 2",
  "flags\t\t: fpu aes avx2 xsave sgx",
  "",
].join("\n");

const sources: SystemSources = {
  readText: (path) =>
    path === "/proc/cpuinfo"
      ? CPUINFO
      : path === "/etc/os-release"
      ? 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
      : null,
  kernelRelease: () => "6.1.0-18-amd64",
  arch: () => "x86_64",
  totalMemory: () => 8 * 1024 ** 3,
};

Deno.test("system info has the real node's shape and honours the expose flags", () => {
  assertEquals(collectSystemInfo({ exposeHardware: true, exposeCrypto: true, sources }), {
    system_name: "Debian GNU/Linux",
    kernel_version: "6.1.0-18-amd64",
    os_version: "12",
    cpu_arch: "x86_64",
    hardware: {
      cpu: [
        { name: "cpu0", frequency: 2399, vendor_id: "GenuineIntel", brand: "Intel(R) Xeon(R) CPU" },
        { name: "cpu1", frequency: 1200, vendor_id: "GenuineIntel", brand: "Intel(R) Xeon(R) CPU" },
      ],
      total_memory: 8 * 1024 ** 3,
      crypto: {
        aesni: true,
        avx2: true,
        smt_logical_processor_count: [2],
        osxsave: true,
        sgx: true,
        xsave: true,
      },
    },
  });
  assertEquals(
    collectSystemInfo({ exposeHardware: true, exposeCrypto: false, sources }).hardware?.crypto,
    null,
  );
  assertEquals(
    collectSystemInfo({ exposeHardware: false, exposeCrypto: true, sources }).hardware,
    null,
  );
});

Deno.test("missing sources give nulls and empty lists, not errors", () => {
  const empty: SystemSources = { ...sources, readText: () => null, kernelRelease: () => null };
  const info = collectSystemInfo({ exposeHardware: true, exposeCrypto: true, sources: empty });
  assertEquals(info.system_name, null);
  assertEquals(info.kernel_version, null);
  assertEquals(info.hardware?.cpu, []);
  assertEquals(info.hardware?.crypto?.smt_logical_processor_count, []);
  assertEquals(parseCpuInfo("garbage").cpus, []);
});

Deno.test("the real machine can be described", () => {
  const info = collectSystemInfo({ exposeHardware: true, exposeCrypto: true });
  assertEquals(info.cpu_arch, Deno.build.arch);
  assertEquals((info.hardware?.total_memory ?? 0) > 0, true);
});
