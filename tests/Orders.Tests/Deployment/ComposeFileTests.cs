using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orders.Tests.Deployment;

// This machine has no Docker engine, so the deployment files are checked by reading them: the
// compose file against the configuration keys the service really reads, and the Dockerfile's shape.
public sealed partial class ComposeFileTests
{
    private static readonly string[] RequiredProductionSettings =
    [
        "PayPal__BaseUrl", "PayPal__ClientId", "PayPal__ClientSecret", "PayPal__WebhookId",
        "Security__TokenSecret", "ConnectionStrings__Orders", "Database__Provider",
        "App__PublicBaseUrl", "DataProtection__CertificatePath", "DataProtection__CertificatePassword",
    ];

    private static readonly string[] IgnoredInImageBuild = ["bin", "obj", "data", ".git", "TestResults", ".env"];

    private static readonly string[] RootUsers = ["root", "0", "0:0", "root:root"];

    private static readonly string[] RestoreInputs = ["global.json", "Directory.Build.props", "Directory.Packages.props"];

    private readonly Compose compose = Compose.Load();

    [Fact]
    public void DatabaseIsSqlServer2022WithAHealthCheckAndANamedVolume()
    {
        var (name, database) = compose.Services.Single(s => Scalar(s.Value, "image")?.StartsWith("mcr.microsoft.com/mssql/server:2022", StringComparison.Ordinal) == true);

        var environment = Compose.Environment(database);
        Assert.Equal("Y", environment["ACCEPT_EULA"]);
        Assert.Matches(SingleReference(), environment["MSSQL_SA_PASSWORD"]);

        var test = string.Join(' ', Compose.Strings(Child(Child(database, "healthcheck"), "test")));
        Assert.Contains("/opt/mssql-tools18/bin/sqlcmd -C", test, StringComparison.Ordinal);
        Assert.Contains("$$MSSQL_SA_PASSWORD", test, StringComparison.Ordinal);

        var dataVolume = Compose.Strings(Child(database, "volumes")).Single(v => v.EndsWith(":/var/opt/mssql", StringComparison.Ordinal));
        var volumeName = dataVolume.Split(':')[0];
        Assert.True(Compose.Keys(Child(compose.Root, "volumes")).Contains(volumeName), $"{name} keeps its data in '{volumeName}', which is not a named volume.");
    }

    [Fact]
    public void MailGoesToTheMailCatcherOverPlainSmtp()
    {
        foreach (var (name, environment) in compose.Instances.Select(i => (i.Name, Compose.Environment(i.Node))))
        {
            Assert.Equal("Smtp", environment["Mail__Mode"]);
            Assert.Equal("1025", environment["Mail__Port"]);
            Assert.Equal("None", environment["Mail__Tls"]);
            var mail = Assert.Contains(environment["Mail__Host"], compose.Services);
            Assert.Contains("mailpit", Scalar(mail, "image") ?? "", StringComparison.Ordinal);
            Assert.Equal("service_started", Scalar(Child(Child(compose.Services[name], "depends_on"), environment["Mail__Host"]), "condition"));
        }
    }

    [Fact]
    public void ServiceIsBuiltFromTheDockerfileRunsSeveralInstancesAndWaitsForAHealthyDatabase()
    {
        var instances = compose.Instances.Sum(i => int.Parse(Scalar(Child(i.Node, "deploy"), "replicas") ?? "1", System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(instances >= 2, $"Production runs several instances side by side; the compose file starts {instances}.");

        var database = compose.Services.Single(s => Scalar(s.Value, "image")?.Contains("mssql", StringComparison.Ordinal) == true).Key;
        foreach (var (name, service) in compose.Instances)
        {
            Assert.Equal("service_healthy", Scalar(Child(Child(service, "depends_on"), database), "condition"));
            var probe = string.Join(' ', Compose.Strings(Child(Child(service, "healthcheck"), "test")));
            Assert.Contains("/health/ready", probe, StringComparison.Ordinal);
            Assert.Contains("8080", probe, StringComparison.Ordinal);
            Assert.Equal("Production", Compose.Environment(service)["ASPNETCORE_ENVIRONMENT"]);
            Assert.NotNull(Child(service, "restart"));
        }
    }

    [Fact]
    public void ProxyLoadBalancesEveryInstanceAndChecksItsReadiness()
    {
        var (_, proxy) = compose.Services.Single(s => Scalar(s.Value, "image") is { } image && (image.StartsWith("caddy", StringComparison.Ordinal) || image.StartsWith("nginx", StringComparison.Ordinal)));
        Assert.NotEmpty(Compose.Strings(Child(proxy, "ports")));

        var mounted = Compose.Strings(Child(proxy, "volumes")).Select(v => v.Split(':')[0]).Where(v => v.StartsWith("./", StringComparison.Ordinal)).ToList();
        var config = File.ReadAllText(Path.Combine(Compose.RepoRoot, Assert.Single(mounted)[2..]));
        foreach (var (name, _) in compose.Instances)
        {
            Assert.Contains($"{name}:8080", config, StringComparison.Ordinal);
            Assert.NotNull(Child(Child(proxy, "depends_on"), name));
        }

        Assert.Contains("/health/ready", config, StringComparison.Ordinal);
    }

    [Fact]
    public void ForwardedHeadersAreTrustedFromTheComposeNetworkOnly()
    {
        var subnet = Scalar(Compose.Items(Child(Child(Child(Child(compose.Root, "networks"), "default"), "ipam"), "config")).Single(), "subnet");
        Assert.NotNull(subnet);
        Assert.DoesNotContain(compose.Services, s => Child(s.Value, "networks") is not null || Child(s.Value, "network_mode") is not null);
        foreach (var environment in compose.Instances.Select(i => Compose.Environment(i.Node)))
        {
            Assert.Equal("true", environment["ForwardedHeaders__Enabled"]);
            Assert.Equal(subnet, environment["ForwardedHeaders__KnownNetworks__0"]);
        }
    }

    [Fact]
    public void EveryEnvironmentVariableOfTheServiceIsAKeyTheServiceReads()
    {
        var known = ServiceConfigurationKeys.Scan(Compose.RepoRoot);
        foreach (var (name, service) in compose.Instances)
        {
            var unread = ServiceConfigurationKeys.Unread(Compose.Environment(service).Keys, known);
            Assert.True(unread.Count == 0, $"{name} sets {string.Join(", ", unread)}, which src/Orders.Api never reads (misspelled, or the setting was removed?).");
        }
    }

    [Fact]
    public void KeyScanFindsOptionsPropertiesLiteralKeysAndConnectionStringsButNotTypos()
    {
        var known = ServiceConfigurationKeys.Scan(Compose.RepoRoot);

        Assert.Empty(ServiceConfigurationKeys.Unread(["Mail__Host", "Jobs__WorkerCount", "ConnectionStrings__Orders", "ForwardedHeaders__KnownNetworks__0", "Catalog__Products__0__Sku", "ASPNETCORE_URLS"], known));
        Assert.Equal(["Mail__Hots", "Mail__Host__Name", "Telemetry__Enabled"], ServiceConfigurationKeys.Unread(["Mail__Hots", "Mail__Host__Name", "Telemetry__Enabled"], known));
    }

    [Fact]
    public void ProductionSettingsTheServiceRefusesToStartWithoutAreSet()
    {
        foreach (var (name, service) in compose.Instances)
        {
            var environment = Compose.Environment(service);
            foreach (var key in RequiredProductionSettings)
            {
                Assert.True(environment.TryGetValue(key, out var value) && value.Length > 0, $"{name} does not set {key}.");
            }

            Assert.Equal("SqlServer", environment["Database__Provider"]);
            Assert.Contains("Server=sqlserver", environment["ConnectionStrings__Orders"], StringComparison.Ordinal);
            Assert.Contains("TrustServerCertificate=True", environment["ConnectionStrings__Orders"], StringComparison.Ordinal);
            Assert.True(
                environment.GetValueOrDefault("Licensing__SigningKeyPem", "").Length > 0 || environment.GetValueOrDefault("Licensing__SigningKeyPemFile", "").Length > 0,
                $"{name} sets neither Licensing__SigningKeyPem nor Licensing__SigningKeyPemFile.");
            Assert.True(Uri.TryCreate(environment["App__PublicBaseUrl"], UriKind.Absolute, out _) || SingleReference().IsMatch(environment["App__PublicBaseUrl"]));
        }
    }

    [Fact]
    public void SigningKeyFileIsTheComposeSecretMountedForEveryInstance()
    {
        foreach (var (name, service) in compose.Instances)
        {
            if (!Compose.Environment(service).TryGetValue("Licensing__SigningKeyPemFile", out var path))
            {
                continue;
            }

            var secret = Assert.Single(Compose.Strings(Child(service, "secrets")), s => path == $"/run/secrets/{s}");
            var source = Scalar(Child(Child(compose.Root, "secrets"), secret), "file");
            Assert.True(source is not null && SingleReference().IsMatch(source), $"{name}'s secret '{secret}' should name its file through a ${{VAR}} from .env (keys stay outside the repository).");
        }
    }

    [Fact]
    public void NoSecretIsWrittenLiterallyInTheComposeFile()
    {
        foreach (var (name, service) in compose.Services)
        {
            foreach (var (key, value) in Compose.Environment(service))
            {
                if (SecretName().IsMatch(key))
                {
                    Assert.True(SingleReference().IsMatch(value), $"{name}: {key} must be a ${{VAR}} reference to .env with no default, not '{value}'.");
                }

                foreach (Match password in ConnectionStringPassword().Matches(value))
                {
                    Assert.True(SingleReference().IsMatch(password.Groups["value"].Value), $"{name}: the password in {key} must be a ${{VAR}} reference to .env.");
                }
            }
        }

        Assert.DoesNotContain("-----BEGIN", compose.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLocalPayPalSandboxIsOff()
    {
        foreach (var environment in compose.Instances.Select(i => Compose.Environment(i.Node)))
        {
            Assert.True(!environment.TryGetValue("Sandbox__Enabled", out var enabled) || string.Equals(enabled, "false", StringComparison.OrdinalIgnoreCase), "The sandbox must be off in production.");
            Assert.DoesNotContain(environment.Keys, k => k.StartsWith("Sandbox__PayPal", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain("/sandbox/", environment["PayPal__BaseUrl"], StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void EveryVariableTheComposeFileUsesIsDocumentedInEnvExample()
    {
        var lines = File.ReadAllLines(Path.Combine(Compose.RepoRoot, ".env.example"));
        var documented = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            if (EnvAssignment().Match(lines[i]) is { Success: true } assignment)
            {
                Assert.True(i > 0 && lines[i - 1].StartsWith('#'), $".env.example: {assignment.Groups[1].Value} needs a comment saying what it is.");
                documented.Add(assignment.Groups[1].Value);
            }
        }

        var used = compose.AllScalars().SelectMany(s => Reference().Matches(s).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(used);
        Assert.Empty(used.Except(documented));
        Assert.DoesNotContain(compose.AllScalars(), s => UnbracedReference().IsMatch(s));
        Assert.Contains(".env", File.ReadAllLines(Path.Combine(Compose.RepoRoot, ".gitignore")));
    }

    [Fact]
    public void DockerfileBuildsInTwoStagesAndRunsAsNonRootWithAHealthCheck()
    {
        var instructions = Dockerfile.Instructions(Path.Combine(Compose.RepoRoot, "Dockerfile"));
        var from = instructions.Where(i => i.Keyword == "FROM").ToList();
        Assert.Equal(2, from.Count);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0 ", from[0].Arguments, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", from[1].Arguments, StringComparison.Ordinal);

        var runtime = instructions.SkipWhile(i => i != from[1]).ToList();
        var user = Assert.Single(runtime, i => i.Keyword == "USER").Arguments;
        Assert.DoesNotContain(user, RootUsers);
        Assert.Contains("/health/live", Assert.Single(runtime, i => i.Keyword == "HEALTHCHECK").Arguments, StringComparison.Ordinal);
        Assert.Contains(runtime, i => i.Keyword == "EXPOSE" && i.Arguments == "8080");
        Assert.Equal("[\"dotnet\", \"Orders.Api.dll\"]", Assert.Single(runtime, i => i.Keyword == "ENTRYPOINT").Arguments);
        Assert.Contains(runtime, i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build ", StringComparison.Ordinal));
    }

    [Fact]
    public void DockerfileRestoresEveryProjectBeforeCopyingSourcesAndIncludesTheMigrations()
    {
        var instructions = Dockerfile.Instructions(Path.Combine(Compose.RepoRoot, "Dockerfile"));
        var restore = instructions.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var publish = instructions.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish src/Orders.Api", StringComparison.Ordinal));
        Assert.True(restore > 0 && publish > restore);
        Assert.Contains("--no-restore", instructions[publish].Arguments, StringComparison.Ordinal);

        var copiedBeforeRestore = string.Join('\n', instructions.Take(restore).Where(i => i.Keyword == "COPY").Select(i => i.Arguments));
        foreach (var file in RestoreInputs)
        {
            Assert.Contains(file, copiedBeforeRestore, StringComparison.Ordinal);
        }

        // A new project under src/ that the Dockerfile does not know would fail the restore.
        foreach (var project in Directory.GetFiles(Path.Combine(Compose.RepoRoot, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            Assert.Contains(Path.GetRelativePath(Compose.RepoRoot, project).Replace('\\', '/'), copiedBeforeRestore, StringComparison.Ordinal);
        }

        var copiedBeforePublish = instructions.Take(publish).Where(i => i.Keyword == "COPY").Select(i => i.Arguments).ToList();
        Assert.Contains("sql/ sql/", copiedBeforePublish);
        Assert.Contains("src/ src/", copiedBeforePublish);
    }

    [Fact]
    public void DockerIgnoreKeepsBuildOutputLocalDataAndSecretsOutOfTheImage()
    {
        var patterns = File.ReadAllLines(Path.Combine(Compose.RepoRoot, ".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        var excluded = patterns.Where(p => !p.StartsWith('!')).Select(p => p.Replace("**/", "", StringComparison.Ordinal).Replace("src/*/", "", StringComparison.Ordinal).TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in IgnoredInImageBuild)
        {
            Assert.Contains(entry, excluded);
        }

        Assert.DoesNotContain(patterns, p => p.TrimEnd('/') is "src" or "sql" or "*" or "**");
    }

    private static YamlNode? Child(YamlNode? node, string key) => Compose.Child(node, key);

    private static string? Scalar(YamlNode? node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    // "${VAR}", "${VAR:?message}" or "${VAR:-}": the whole value comes from .env, with no literal fallback.
    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*|:?-)?\}$")]
    private static partial Regex SingleReference();

    [GeneratedRegex(@"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"(?<!\$)\$[A-Za-z_]")]
    private static partial Regex UnbracedReference();

    [GeneratedRegex(@"(?i)(secret|password|pem|privatekey|apikey)$")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"(?i)(?:^|;)\s*(?:password|pwd)\s*=\s*(?<value>[^;]*)")]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex EnvAssignment();

    private sealed class Compose
    {
        private Compose(string text, YamlMappingNode root)
        {
            Text = text;
            Root = root;
            Services = ((YamlMappingNode)Child(root, "services")!).Children
                .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value, StringComparer.Ordinal);
            Instances = [.. Services
                .Where(s => Child(s.Value, "build") is YamlScalarNode { Value: "." } || Child(Child(s.Value, "build"), "context") is YamlScalarNode { Value: "." })
                .Select(s => (s.Key, s.Value))];
            Assert.True(Instances.Count > 0, "No service in docker-compose.yml is built from the Dockerfile (build: .).");
        }

        public static string RepoRoot { get; } = FindRepoRoot();

        public string Text { get; }

        public YamlMappingNode Root { get; }

        public Dictionary<string, YamlMappingNode> Services { get; }

        // The services built from this repository's Dockerfile: the Orders instances.
        public IReadOnlyList<(string Name, YamlMappingNode Node)> Instances { get; }

        public static Compose Load()
        {
            var text = File.ReadAllText(Path.Combine(RepoRoot, "docker-compose.yml"));
            var stream = new YamlStream();
            // Resolves "<<: *anchor" the way docker compose does.
            stream.Load(new MergingParser(new Parser(new StringReader(text))));
            return new Compose(text, (YamlMappingNode)stream.Documents.Single().RootNode);
        }

        public static YamlNode? Child(YamlNode? node, string key) =>
            node is YamlMappingNode mapping
                ? mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var k } && k == key).Value
                : null;

        public static IEnumerable<YamlNode> Items(YamlNode? node) => node is YamlSequenceNode sequence ? sequence.Children : [];

        public static IReadOnlyList<string> Strings(YamlNode? node) => node switch
        {
            YamlScalarNode scalar => [scalar.Value ?? ""],
            YamlSequenceNode sequence => [.. sequence.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "")],
            _ => [],
        };

        public static HashSet<string> Keys(YamlNode? node) =>
            node is YamlMappingNode mapping ? mapping.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!).ToHashSet(StringComparer.Ordinal) : [];

        // Both compose spellings: a mapping, or a list of KEY=value.
        public static Dictionary<string, string> Environment(YamlNode service)
        {
            var environment = Child(service, "environment");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (environment is YamlMappingNode mapping)
            {
                foreach (var (key, value) in mapping.Children)
                {
                    result.Add(((YamlScalarNode)key).Value!, (value as YamlScalarNode)?.Value ?? "");
                }
            }
            else
            {
                foreach (var item in Strings(environment))
                {
                    var separator = item.IndexOf('=', StringComparison.Ordinal);
                    result.Add(separator < 0 ? item : item[..separator], separator < 0 ? "" : item[(separator + 1)..]);
                }
            }

            return result;
        }

        // Every key and value in the file (comments excluded), for finding ${VAR} references.
        public IEnumerable<string> AllScalars() => Root.AllNodes.OfType<YamlScalarNode>().Select(s => s.Value ?? "");

        private static string FindRepoRoot()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Orders.sln")))
                {
                    return directory.FullName;
                }
            }

            throw new InvalidOperationException($"No Orders.sln above {AppContext.BaseDirectory}.");
        }
    }

    private static class Dockerfile
    {
        public sealed record Instruction(string Keyword, string Arguments);

        // Joins continuation lines and drops comments and the parser directive.
        public static List<Instruction> Instructions(string path)
        {
            var result = new List<Instruction>();
            var current = "";
            foreach (var raw in File.ReadAllLines(path))
            {
                var line = raw.Trim();
                if (current.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
                {
                    continue;
                }

                if (line.EndsWith('\\'))
                {
                    current += line[..^1] + " ";
                    continue;
                }

                current += line;
                var space = current.IndexOf(' ', StringComparison.Ordinal);
                result.Add(new Instruction(current[..space].ToUpperInvariant(), current[(space + 1)..].Trim()));
                current = "";
            }

            return result;
        }
    }
}

// The configuration keys src/Orders.Api reads, found in its source: properties of options classes
// bound with GetSection(X.Section), literal "Section:Key" strings (configuration["..."],
// GetValue("...")), GetConnectionString("..."), and the keys appsettings.json sets.
internal static partial class ServiceConfigurationKeys
{
    private static readonly string[] FrameworkPrefixes = ["ASPNETCORE_", "DOTNET_", "Logging__"];

    public static HashSet<string> Scan(string repoRoot)
    {
        var serviceRoot = Path.Combine(repoRoot, "src", "Orders.Api");
        var sources = Directory.GetFiles(serviceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        var all = string.Join('\n', sources);
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        keys.UnionWith(LiteralKey().Matches(all).Select(m => m.Groups[1].Value));
        keys.UnionWith(ConnectionStringName().Matches(all).Select(m => "ConnectionStrings:" + m.Groups[1].Value));

        foreach (var source in sources)
        {
            var classes = ClassDeclaration().Matches(source);
            for (var i = 0; i < classes.Count; i++)
            {
                var end = i + 1 < classes.Count ? classes[i + 1].Index : source.Length;
                var body = source[classes[i].Index..end];
                var className = classes[i].Groups[1].Value;
                if (SectionConstant().Match(body) is not { Success: true } section
                    || !Regex.IsMatch(all, $@"GetSection\(\s*{Regex.Escape(className)}\.Section\s*\)"))
                {
                    continue;
                }

                keys.UnionWith(SettableProperty().Matches(body).Select(p => $"{section.Groups[1].Value}:{p.Groups[1].Value}"));
            }
        }

        var appsettings = Path.Combine(serviceRoot, "appsettings.json");
        if (File.Exists(appsettings))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(appsettings));
            AddLeaves(json.RootElement, "", keys);
        }

        return keys;
    }

    // Environment names ("Mail__Host", "Catalog__Products__0__Sku") that map to no key in `known`.
    public static List<string> Unread(IEnumerable<string> environmentNames, HashSet<string> known) =>
        [.. environmentNames.Where(name =>
            !FrameworkPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
            && !known.Contains(string.Join(':', name.Split("__").Where(segment => !segment.All(char.IsAsciiDigit)))))];

    private static void AddLeaves(JsonElement element, string path, HashSet<string> keys)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    AddLeaves(property.Value, path.Length == 0 ? property.Name : $"{path}:{property.Name}", keys);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    AddLeaves(item, path, keys); // array indexes are dropped, as in Unread
                }

                break;
            default:
                keys.Add(path);
                break;
        }
    }

    [GeneratedRegex(@"""([A-Za-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9]*)+)""")]
    private static partial Regex LiteralKey();

    [GeneratedRegex(@"GetConnectionString\(\s*""([^""]+)""\s*\)")]
    private static partial Regex ConnectionStringName();

    [GeneratedRegex(@"\bclass\s+(\w+)")]
    private static partial Regex ClassDeclaration();

    [GeneratedRegex(@"const\s+string\s+Section\s*=\s*""(\w+)""")]
    private static partial Regex SectionConstant();

    [GeneratedRegex(@"public\s+(?!static\b|const\b|override\b)[\w<>,?\[\].\s]+?\s+(\w+)\s*\{\s*get;\s*set;")]
    private static partial Regex SettableProperty();
}
