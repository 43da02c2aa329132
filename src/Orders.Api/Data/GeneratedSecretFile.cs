namespace Orders.Api.Data;

// A secret the embedded defaults generate on first run (license signing key, status-token secret):
// written owner-only, appearing atomically, and never replacing one another instance wrote first —
// what was already issued under it depends on it.
internal static class GeneratedSecretFile
{
    // True when this call created the file.
    public static bool EnsureExists(string path, Func<string> generate)
    {
        if (File.Exists(path))
        {
            return false;
        }

        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, generate());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return false;
        }
    }
}
