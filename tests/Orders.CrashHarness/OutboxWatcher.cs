namespace Orders.CrashHarness;

// Counts how often each .eml file is put in place. The pickup transport writes a temporary file and
// renames it over `{id:D8}-{kind}-{order}.eml`, so an e-mail sent twice leaves one file; only the
// second rename shows it. Watching the whole data directory: the outbox does not exist before the
// first e-mail.
internal sealed class OutboxWatcher : IDisposable
{
    private readonly FileSystemWatcher watcher;
    private readonly Dictionary<string, int> writes = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public OutboxWatcher(string dataDirectory)
    {
        watcher = new FileSystemWatcher(dataDirectory)
        {
            IncludeSubdirectories = true,
            InternalBufferSize = 64 * 1024,
            NotifyFilter = NotifyFilters.FileName,
        };
        watcher.Renamed += (_, e) => Count(e.FullPath);
        watcher.Created += (_, e) => Count(e.FullPath);
        watcher.Error += (_, _) => Overflowed = true;
        watcher.EnableRaisingEvents = true;
    }

    // The kernel's event queue overflowed: some writes were not seen, so "written once" is unproven.
    public bool Overflowed { get; private set; }

    // File name → times it was put in place.
    public IReadOnlyDictionary<string, int> Writes
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<string, int>(writes, StringComparer.Ordinal);
            }
        }
    }

    private void Count(string path)
    {
        if (!path.EndsWith(".eml", StringComparison.Ordinal))
        {
            return;
        }

        lock (gate)
        {
            var name = Path.GetFileName(path);
            writes[name] = writes.GetValueOrDefault(name) + 1;
        }
    }

    public void Dispose() => watcher.Dispose();
}
