using System.Runtime.InteropServices;

namespace Orders.Api.Hosting;

// glibc gives each thread that allocates its own malloc arena, up to eight per core. SQLite
// allocates from whichever thread-pool thread runs a statement, and its connections keep their
// compiled statements for the service's lifetime (Data/SqliteSessions.cs), so long-lived native
// blocks end up scattered over a dozen arenas, none of which can give its pages back: the peak
// working set during a 100,000-event backlog went from ≈ 270 to 310 MB (limit 300). With two
// arenas it was 248 MB at the same throughput (docs/bench-history-2026-11.md, round 6). MALLOC_ARENA_MAX does the
// same from the environment, but only if whoever starts the process remembers to set it; an
// explicit MALLOC_ARENA_MAX still wins. Called first thing in Main, before the thread pool grows.
internal static class NativeHeap
{
    public const int Arenas = 2;

    // mallopt's parameter number for the arena limit (malloc.h).
    private const int MallocArenaMax = -8;

    public static void UseFewArenas()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is { Length: > 0 })
        {
            return;
        }

        try
        {
            _ = SetMallocOption(MallocArenaMax, Arenas);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no arenas to limit): nothing to do.
        }
    }

    // DllImport rather than LibraryImport: the latter needs unsafe code allowed in the whole project
    // for this one blittable call.
    [DllImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetMallocOption(int parameter, int value);
}
