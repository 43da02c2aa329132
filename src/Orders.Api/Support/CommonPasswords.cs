namespace Orders.Api.Support;

// Passwords that guessing tries first. common-passwords.txt is SecLists'
// Passwords/Common-Credentials/10k-most-common.txt (github.com/danielmiessler/SecLists, MIT licence,
// Copyright (c) 2018 Daniel Miessler), unchanged: one password a line. Compared without regard to case.
internal static class CommonPasswords
{
    private const string ResourceName = "Orders.Api.Support.common-passwords.txt";

    private static readonly Lazy<HashSet<string>> List = new(Load);

    public static int Count => List.Value.Count;

    public static bool Contains(string password) => List.Value.Contains(password);

    private static HashSet<string> Load()
    {
        using var stream = typeof(CommonPasswords).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the build.");
        using var reader = new StreamReader(stream);
        var passwords = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                passwords.Add(line);
            }
        }

        return passwords;
    }
}
