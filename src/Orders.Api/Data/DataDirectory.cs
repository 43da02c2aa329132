namespace Orders.Api.Data;

// The folder every local file lives in (the SQLite database, generated keys, the e-mail pickup
// folder): Storage:DataDirectory, relative to the content root, created owner-only.
internal static class DataDirectory
{
    public static string Resolve(StorageOptions storage, IHostEnvironment environment)
    {
        var path = Path.GetFullPath(storage.DataDirectory, environment.ContentRootPath);
        OwnerOnlyFiles.CreateFolder(path);
        return path;
    }
}
