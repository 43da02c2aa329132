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

        // Owner-only from its creation, not narrowed after the secret is already in it.
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var file = new StreamWriter(OwnerOnlyFiles.Create(temp)))
        {
            file.Write(generate());
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
