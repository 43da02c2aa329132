using Microsoft.Data.Sqlite;

namespace Orders.Api.Data;

// The data folder holds the database (customer data, staff password hashes, the Data Protection key
// ring), generated secrets and, in pickup mode, e-mails carrying license keys: only the service's
// own user may read them. Folders are created 0700 and files 0600 as they are created, rather than
// through a process-wide umask, which would also change what every library and a test host write;
// SQLite gives its -wal, -shm and -journal files the mode of the database file, so creating that
// file 0600 before SQLite opens it covers them too. Windows keeps its inherited ACLs.
internal static class OwnerOnlyFiles
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // What SQLite creates next to a database file.
    private static readonly string[] SqliteCompanions = ["-wal", "-shm", "-journal"];

    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, FolderMode);
        }
    }

    // A new file (or a replaced one's content), readable by the owner only from its first byte.
    public static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return new FileStream(path, options);
    }

    // Creates the SQLite file (and its folder) owner-only before SQLite does, and narrows an
    // existing one and its companions. Runs before anything opens the database (StorageRegistration).
    public static void PrepareSqliteDatabase(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var file = builder.DataSource;
        if (OperatingSystem.IsWindows() || string.IsNullOrEmpty(file) || file == ":memory:" || builder.Mode == SqliteOpenMode.Memory
            || file.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var path = Path.GetFullPath(file);
        if (Path.GetDirectoryName(path) is { Length: > 0 } folder && !Directory.Exists(folder))
        {
            CreateFolder(folder);
        }

        try
        {
            using (new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode }))
            {
                // An empty file is an empty database to SQLite.
            }
        }
        catch (IOException) when (File.Exists(path))
        {
            // There already (an existing installation, or another instance made it first).
        }

        Narrow(path);
        foreach (var companion in SqliteCompanions)
        {
            Narrow(path + companion);
        }
    }

    // Existing installations: a folder and files made before they were created owner-only. Only
    // what the service itself puts there is touched (the folder may have been pointed at a shared
    // place by mistake). Returns how many were changed.
    public static int NarrowExisting(string folder, IEnumerable<string> fileNames, string? filePattern = null)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(folder))
        {
            return 0;
        }

        var changed = Narrow(folder) ? 1 : 0;
        var files = fileNames.Select(name => Path.Combine(folder, name));
        if (filePattern is not null)
        {
            files = files.Concat(Directory.EnumerateFiles(folder, filePattern, new EnumerationOptions { AttributesToSkip = FileAttributes.ReparsePoint }));
        }

        foreach (var file in files.Distinct(StringComparer.Ordinal))
        {
            changed += Narrow(file) ? 1 : 0;
        }

        return changed;
    }

    // True when the mode was looser and is now owner-only. Symbolic links are left alone: what they
    // point at is not the service's to change.
    private static bool Narrow(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        var info = Directory.Exists(path) ? (FileSystemInfo)new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null)
        {
            return false;
        }

        var wanted = info is DirectoryInfo ? FolderMode : FileMode;
        var mode = info.UnixFileMode;
        if ((mode & ~wanted) == 0)
        {
            return false;
        }

        info.UnixFileMode = mode & wanted;
        return true;
    }
}
