using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Orders.Tests.Deployment;

// This machine has no Docker engine, so the deployment files are checked by reading them: the
// compose file against the configuration keys the service really reads, and the Dockerfile's shape.
public sealed partial class ComposeFileTests
{
    private const string Production = "docker-compose.yml";
    private const string Postgres = "docker-compose.postgres.yml";
    private const string Demo = "docker-compose.demo.yml";

    private static readonly string[] RequiredProductionSettings =
    [
        "Security__TokenSecret", "ConnectionStrings__Orders", "Database__Provider",
        "App__PublicBaseUrl", "DataProtection__CertificatePath", "DataProtection__CertificatePassword",
    ];

    // Every provider's settings, each from .env; a provider left empty there is off.
    private static readonly string[] ProviderSettings =
    [
        "PayPal__BaseUrl", "PayPal__ClientId", "PayPal__ClientSecret", "PayPal__WebhookId",
        "Stripe__SecretKey", "Stripe__WebhookSecret",
        "Avangate__CheckoutUrl", "Avangate__MerchantCode", "Avangate__SecretKey", "Avangate__BuyLinkSecret",
    ];

    private static readonly string[] IgnoredInImageBuild = ["bin", "obj", "data", ".git", "TestResults", ".env"];

    private static readonly string[] RootUsers = ["root", "0", "0:0", "root:root"];

    private static readonly string[] RestoreInputs = ["global.json", "Directory.Build.props", "Directory.Packages.props"];

    private static readonly string[] DatabaseSettings = ["Database__Provider", "ConnectionStrings__Orders"];

    public static TheoryData<string> ProductionFiles => [Production, Postgres];

    public static TheoryData<string> AllFiles => [Production, Postgres, Demo];

    [Fact]
    public void DatabaseIsSqlServer2022WithAHealthCheckAndANamedVolume()
    {
        var compose = Compose.Load(Production);
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
        foreach (var (_, service) in compose.Instances)
        {
            var settings = Compose.Environment(service);
            Assert.Equal("SqlServer", settings["Database__Provider"]);
            Assert.Contains("Server=sqlserver", settings["ConnectionStrings__Orders"], StringComparison.Ordinal);
            Assert.Contains("TrustServerCertificate=True", settings["ConnectionStrings__Orders"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PostgreSqlVariantIsTheSameShapeOnAPinnedPostgreSql17()
    {
        var sqlServer = Compose.Load(Production);
        var postgres = Compose.Load(Postgres);

        var (name, database) = postgres.Services.Single(s => Scalar(s.Value, "image")?.StartsWith("postgres:", StringComparison.Ordinal) == true);
        Assert.Matches(@"^postgres:17\.\d+-bookworm$", Scalar(database, "image"));
        var environment = Compose.Environment(database);
        Assert.Matches(SingleReference(), environment["POSTGRES_PASSWORD"]);
        Assert.Contains("pg_isready", string.Join(' ', Compose.Strings(Child(Child(database, "healthcheck"), "test"))), StringComparison.Ordinal);
        var volumeName = Compose.Strings(Child(database, "volumes")).Single(v => v.EndsWith(":/var/lib/postgresql/data", StringComparison.Ordinal)).Split(':')[0];
        Assert.Contains(volumeName, Compose.Keys(Child(postgres.Root, "volumes")));

        // The same services but the database, and the same instance settings but the database's.
        Assert.Equal(sqlServer.Services.Keys.Where(k => k != "sqlserver").Order(), postgres.Services.Keys.Where(k => k != name).Order());
        Assert.Equal(sqlServer.Instances.Select(i => i.Name), postgres.Instances.Select(i => i.Name));
        foreach (var ((_, a), (_, b)) in sqlServer.Instances.Zip(postgres.Instances))
        {
            var onSqlServer = Compose.Environment(a);
            var onPostgres = Compose.Environment(b);
            Assert.Equal(onSqlServer.Where(e => !DatabaseSettings.Contains(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal), onPostgres.Where(e => !DatabaseSettings.Contains(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal));
            Assert.Equal("PostgreSql", onPostgres["Database__Provider"]);
            var connection = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = onPostgres["ConnectionStrings__Orders"] };
            Assert.Equal(name, connection["Host"]);
            Assert.Equal(environment["POSTGRES_DB"], connection["Database"]);
            Assert.Equal(environment["POSTGRES_USER"], connection["Username"]);
            Assert.Equal(environment["POSTGRES_PASSWORD"], connection["Password"]);
            Assert.Equal("service_healthy", Scalar(Child(Child(b, "depends_on"), name), "condition"));
        }
    }

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void EveryImageIsPinnedToAVersion(string file)
    {
        foreach (var (name, service) in Compose.Load(file).Services)
        {
            if (Scalar(service, "image") is not { } image)
            {
                continue;
            }

            var tag = image.Contains(':', StringComparison.Ordinal) ? image[(image.LastIndexOf(':') + 1)..] : "";
            Assert.True(PinnedTag().IsMatch(tag), $"{file}: {name} uses '{image}'; pin a version (e.g. axllent/mailpit:v1.31.2), not '{tag}'.");
        }
    }

    [Theory]
    [MemberData(nameof(ProductionFiles))]
    public void MailGoesToTheMailCatcherOverPlainSmtp(string file)
    {
        var compose = Compose.Load(file);
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

    [Theory]
    [MemberData(nameof(ProductionFiles))]
    public void ServiceIsBuiltFromTheDockerfileRunsSeveralInstancesAndWaitsForAHealthyDatabase(string file)
    {
        var compose = Compose.Load(file);
        var instances = compose.Instances.Sum(i => int.Parse(Scalar(Child(i.Node, "deploy"), "replicas") ?? "1", System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(instances >= 2, $"Production runs several instances side by side; the compose file starts {instances}.");

        var database = compose.Services.Single(s => Scalar(s.Value, "image") is { } image && (image.Contains("mssql", StringComparison.Ordinal) || image.StartsWith("postgres:", StringComparison.Ordinal))).Key;
        foreach (var (name, service) in compose.Instances)
        {
            Assert.Equal("service_healthy", Scalar(Child(Child(service, "depends_on"), database), "condition"));
            var probe = string.Join(' ', Compose.Strings(Child(Child(service, "healthcheck"), "test")));
            Assert.Contains("/health/ready", probe, StringComparison.Ordinal);
            Assert.Contains("8080", probe, StringComparison.Ordinal);
            Assert.Equal("Production", Compose.Environment(service)["ASPNETCORE_ENVIRONMENT"]);
            Assert.NotNull(Child(service, "restart"));
            Assert.Null(Child(service, "volumes"));
        }
    }

    [Theory]
    [MemberData(nameof(ProductionFiles))]
    public void ProxyLoadBalancesEveryInstanceAndChecksItsReadiness(string file)
    {
        var compose = Compose.Load(file);
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

    [Theory]
    [MemberData(nameof(ProductionFiles))]
    public void ForwardedHeadersAreTrustedFromTheComposeNetworkOnly(string file)
    {
        var compose = Compose.Load(file);
        var subnet = Scalar(Compose.Items(Child(Child(Child(Child(compose.Root, "networks"), "default"), "ipam"), "config")).Single(), "subnet");
        Assert.NotNull(subnet);
        Assert.DoesNotContain(compose.Services, s => Child(s.Value, "networks") is not null || Child(s.Value, "network_mode") is not null);
        foreach (var environment in compose.Instances.Select(i => Compose.Environment(i.Node)))
        {
            Assert.Equal("true", environment["ForwardedHeaders__Enabled"]);
            Assert.Equal(subnet, environment["ForwardedHeaders__KnownNetworks__0"]);
        }
    }

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void EveryEnvironmentVariableOfTheServiceIsAKeyTheServiceReads(string file)
    {
        var known = ServiceConfigurationKeys.Scan(Compose.RepoRoot);
        foreach (var (name, service) in Compose.Load(file).Instances)
        {
            var unread = ServiceConfigurationKeys.Unread(Compose.Environment(service).Keys, known);
            Assert.True(unread.Count == 0, $"{file}: {name} sets {string.Join(", ", unread)}, which src/Orders.Api never reads (misspelled, or the setting was removed?).");
        }
    }

    [Fact]
    public void KeyScanFindsOptionsPropertiesLiteralKeysAndConnectionStringsButNotTypos()
    {
        var known = ServiceConfigurationKeys.Scan(Compose.RepoRoot);

        Assert.Empty(ServiceConfigurationKeys.Unread(["Mail__Host", "Jobs__WorkerCount", "ConnectionStrings__Orders", "ForwardedHeaders__KnownNetworks__0", "Catalog__Products__0__Sku", "ASPNETCORE_URLS"], known));
        Assert.Equal(["Mail__Hots", "Mail__Host__Name", "Telemetry__Enabled"], ServiceConfigurationKeys.Unread(["Mail__Hots", "Mail__Host__Name", "Telemetry__Enabled"], known));
    }

    [Theory]
    [MemberData(nameof(ProductionFiles))]
    public void ProductionSettingsTheServiceRefusesToStartWithoutAreSet(string file)
    {
        foreach (var (name, service) in Compose.Load(file).Instances)
        {
            var environment = Compose.Environment(service);
            foreach (var key in RequiredProductionSettings)
            {
                Assert.True(environment.TryGetValue(key, out var value) && value.Length > 0, $"{name} does not set {key}.");
            }

            Assert.True(
                environment.GetValueOrDefault("Licensing__SigningKeyPem", "").Length > 0 || environment.GetValueOrDefault("Licensing__SigningKeyPemFile", "").Length > 0,
                $"{name} sets neither Licensing__SigningKeyPem nor Licensing__SigningKeyPemFile.");
            Assert.True(Uri.TryCreate(environment["App__PublicBaseUrl"], UriKind.Absolute, out _) || SingleReference().IsMatch(environment["App__PublicBaseUrl"]));
        }
    }

    [Theory]
    [MemberData(nameof(ProductionFiles))]
    public void EveryProvidersSettingsComeFromEnvSoAnyOfTheThreeCanBeSwitchedOn(string file)
    {
        foreach (var (name, service) in Compose.Load(file).Instances)
        {
            var environment = Compose.Environment(service);
            foreach (var key in ProviderSettings)
            {
                Assert.True(environment.TryGetValue(key, out var value) && SingleReference().IsMatch(value), $"{file}: {name} should set {key} from .env as ${{VAR:-}}, not '{value}'.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ProductionFiles))]
    public void SigningKeyFileIsTheComposeSecretMountedForEveryInstance(string file)
    {
        var compose = Compose.Load(file);
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

    [Theory]
    [MemberData(nameof(ProductionFiles))]
    public void NoSecretIsWrittenLiterallyInTheComposeFile(string file)
    {
        var compose = Compose.Load(file);
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

    [Theory]
    [MemberData(nameof(ProductionFiles))]
    public void TheLocalSandboxIsOff(string file)
    {
        var compose = Compose.Load(file);
        Assert.DoesNotContain(compose.Services, s => Scalar(Child(s.Value, "build"), "target") == "sandbox");
        foreach (var environment in compose.Instances.Select(i => Compose.Environment(i.Node)))
        {
            Assert.True(!environment.TryGetValue("Sandbox__Enabled", out var enabled) || string.Equals(enabled, "false", StringComparison.OrdinalIgnoreCase), "The sandbox must be off in production.");
            Assert.DoesNotContain(environment.Keys, k => k.StartsWith("Sandbox__", StringComparison.OrdinalIgnoreCase) && k != "Sandbox__Enabled");
            Assert.DoesNotContain(environment.Values, v => v.Contains("/sandbox/", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void EveryVariableTheComposeFilesUseIsDocumentedInEnvExampleAndEveryDocumentedOneIsUsed()
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

        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { Production, Postgres })
        {
            var compose = Compose.Load(file);
            used.UnionWith(compose.AllScalars().SelectMany(s => Reference().Matches(s).Select(m => m.Groups[1].Value)));
            Assert.DoesNotContain(compose.AllScalars(), s => UnbracedReference().IsMatch(s));
        }

        Assert.NotEmpty(used);
        Assert.Empty(used.Except(documented));
        Assert.Empty(documented.Except(used));
        Assert.Contains(".env", File.ReadAllLines(Path.Combine(Compose.RepoRoot, ".gitignore")));
    }

    [Fact]
    public void DemoNeedsNoAccountAndNothingFromEnv()
    {
        var demo = Compose.Load(Demo);

        Assert.DoesNotContain(demo.AllScalars(), s => Reference().IsMatch(s) || UnbracedReference().IsMatch(s));
        Assert.Null(Child(demo.Root, "secrets"));
        var (shopName, shop) = Assert.Single(demo.Instances);
        var sandbox = demo.Services.Single(s => Scalar(Child(s.Value, "build"), "target") == "sandbox").Value;
        Assert.Contains("mailpit", Scalar(demo.Services[Compose.Environment(shop)["Mail__Host"]], "image") ?? "", StringComparison.Ordinal);

        // The sandbox and the shop refuse each other's shape in Production.
        Assert.NotEqual("Production", Compose.Environment(shop)["ASPNETCORE_ENVIRONMENT"]);
        Assert.NotEqual("Production", Compose.Environment(sandbox)["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("false", Compose.Environment(shop)["Sandbox__Enabled"]);
        Assert.Equal($"service:{shopName}", Scalar(sandbox, "network_mode"));

        // Only on the host's loopback: a sandbox confirms payments that never happened.
        foreach (var (name, service) in demo.Services)
        {
            Assert.All(Compose.Strings(Child(service, "ports")), p => Assert.StartsWith("127.0.0.1:", p, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void DemoSandboxServesEveryProviderAtTheAddressesTheShopUses()
    {
        var demo = Compose.Load(Demo);
        var (_, shopNode) = Assert.Single(demo.Instances);
        var shop = Compose.Environment(shopNode);
        var sandboxNode = demo.Services.Single(s => Scalar(Child(s.Value, "build"), "target") == "sandbox").Value;
        var sandbox = Compose.Environment(sandboxNode);
        var shopBase = shop["App__PublicBaseUrl"];
        var published = Compose.Strings(Child(shopNode, "ports")).Select(p => p.Split(':')[^1]).ToHashSet(StringComparer.Ordinal);

        // The shop and the sandbox share one network namespace: a localhost URL means the same thing
        // to the browser on the host, to the shop and to the sandbox.
        Assert.Contains(new Uri(shopBase).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), published);
        Assert.Equal(shop["ASPNETCORE_HTTP_PORTS"], new Uri(shopBase).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(new Uri(shopBase).IsLoopback);
        foreach (var provider in new[] { "PayPal", "Stripe", "Avangate" })
        {
            var sandboxBase = new Uri(sandbox[$"Sandbox__{provider}__PublicBaseUrl"]);
            Assert.True(sandboxBase.IsLoopback, $"{provider}: the shop trusts the sandbox's PayPal certificate only on a loopback address.");
            Assert.Equal(sandbox["ASPNETCORE_HTTP_PORTS"], sandboxBase.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains(sandbox["ASPNETCORE_HTTP_PORTS"], published);
        }

        var root = sandbox["Sandbox__PayPal__PublicBaseUrl"].TrimEnd('/');
        Assert.Equal(root + Orders.Sandbox.SandboxExtensions.PayPalPrefix, shop["PayPal__BaseUrl"]);
        Assert.Equal(root + Orders.Sandbox.SandboxExtensions.StripePrefix, shop["Stripe__ApiBase"]);
        Assert.Equal(root + Orders.Sandbox.SandboxExtensions.AvangatePrefix + "/checkout/buy", shop["Avangate__CheckoutUrl"]);
        Assert.Equal(sandbox["Sandbox__Stripe__PublicBaseUrl"], sandbox["Sandbox__PayPal__PublicBaseUrl"]);
        Assert.Equal(sandbox["Sandbox__Avangate__PublicBaseUrl"], sandbox["Sandbox__PayPal__PublicBaseUrl"]);

        foreach (var (shopKey, sandboxKey) in new[]
        {
            ("PayPal__ClientId", "Sandbox__PayPal__ClientId"), ("PayPal__ClientSecret", "Sandbox__PayPal__ClientSecret"), ("PayPal__WebhookId", "Sandbox__PayPal__WebhookId"),
            ("Stripe__SecretKey", "Sandbox__Stripe__SecretKey"), ("Stripe__WebhookSecret", "Sandbox__Stripe__WebhookSecret"),
            ("Avangate__MerchantCode", "Sandbox__Avangate__MerchantCode"), ("Avangate__SecretKey", "Sandbox__Avangate__SecretKey"), ("Avangate__BuyLinkSecret", "Sandbox__Avangate__BuyLinkSecret"),
        })
        {
            Assert.Equal(shop[shopKey], sandbox[sandboxKey]);
        }

        Assert.Equal(shopBase + "/webhooks/paypal", sandbox["Sandbox__PayPal__WebhookUrl"]);
        Assert.Equal(shopBase + "/webhooks/stripe", sandbox["Sandbox__Stripe__WebhookUrl"]);
        Assert.Equal(shopBase + "/webhooks/avangate", sandbox["Sandbox__Avangate__IpnUrl"]);
        Assert.Equal(shopBase + "/webhooks/avangate/lcn", sandbox["Sandbox__Avangate__LcnUrl"]);
        Assert.Equal("true", shop["Avangate__AcceptTestOrders"]);

        // Every sandbox setting is one the sandbox has.
        var options = new Dictionary<string, Type>(StringComparer.Ordinal)
        {
            ["PayPal"] = typeof(Orders.Sandbox.PayPalSandboxOptions),
            ["Stripe"] = typeof(Orders.Sandbox.StripeSandboxOptions),
            ["Avangate"] = typeof(Orders.Sandbox.AvangateSandboxOptions),
        };
        foreach (var key in sandbox.Keys.Where(k => k.StartsWith("Sandbox__", StringComparison.Ordinal)))
        {
            var parts = key.Split("__");
            Assert.True(parts.Length == 3 && options.TryGetValue(parts[1], out var type) && type.GetProperty(parts[2]) is { CanWrite: true }, $"The sandbox has no setting {key}.");
        }
    }

    [Fact]
    public void DockerfileBuildsTheServiceAndTheSandboxAndRunsThemAsNonRoot()
    {
        var instructions = Dockerfile.Instructions(Path.Combine(Compose.RepoRoot, "Dockerfile"));
        var stages = Dockerfile.Stages(instructions);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0 ", stages["build"][0].Arguments, StringComparison.Ordinal);

        // The service is the last stage: the image `docker build .` makes.
        var runtime = stages["runtime"];
        Assert.Same(instructions.Last(i => i.Keyword == "FROM"), runtime[0]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", runtime[0].Arguments, StringComparison.Ordinal);
        var user = Assert.Single(runtime, i => i.Keyword == "USER").Arguments;
        Assert.DoesNotContain(user, RootUsers);
        Assert.Contains("/health/live", Assert.Single(runtime, i => i.Keyword == "HEALTHCHECK").Arguments, StringComparison.Ordinal);
        Assert.Contains(runtime, i => i.Keyword == "EXPOSE" && i.Arguments == "8080");
        Assert.Equal("[\"dotnet\", \"Orders.Api.dll\"]", Assert.Single(runtime, i => i.Keyword == "ENTRYPOINT").Arguments);
        Assert.Contains(runtime, i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build ", StringComparison.Ordinal));
        Assert.DoesNotContain(runtime, i => i.Arguments.Contains("DataProtection-Keys", StringComparison.Ordinal));

        var sandbox = stages["sandbox"];
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", sandbox[0].Arguments, StringComparison.Ordinal);
        Assert.DoesNotContain(Assert.Single(sandbox, i => i.Keyword == "USER").Arguments, RootUsers);
        Assert.Equal("[\"dotnet\", \"Orders.Sandbox.dll\"]", Assert.Single(sandbox, i => i.Keyword == "ENTRYPOINT").Arguments);
        var copied = Assert.Single(sandbox, i => i.Keyword == "COPY").Arguments.Split(' ')[0]["--from=".Length..];
        Assert.Contains(stages[copied], i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish src/Orders.Sandbox", StringComparison.Ordinal));

        // Every target a compose file builds is a stage here.
        foreach (var file in new[] { Production, Postgres, Demo })
        {
            foreach (var (name, service) in Compose.Load(file).Services)
            {
                if (Scalar(Child(service, "build"), "target") is { } target)
                {
                    Assert.True(stages.ContainsKey(target), $"{file}: {name} builds the Dockerfile target '{target}', which is not a stage.");
                }
            }
        }
    }

    [Fact]
    public void DockerfileRestoresEveryProjectBeforeCopyingSourcesAndIncludesTheMigrations()
    {
        var instructions = Dockerfile.Instructions(Path.Combine(Compose.RepoRoot, "Dockerfile"));
        var restore = instructions.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var publish = instructions.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish src/Orders.Api", StringComparison.Ordinal));
        Assert.True(restore > 0 && publish > restore);
        Assert.Contains("--no-restore", instructions[publish].Arguments, StringComparison.Ordinal);
        Assert.All(instructions.Where(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)),
            i => Assert.Contains("--no-restore", i.Arguments, StringComparison.Ordinal));

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

    // A release, not a moving tag: v1.31.2, 2.10.2, 17.11-bookworm, 2022-CU26-ubuntu-22.04.
    [GeneratedRegex(@"^(v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?|\d{4}-CU\d+(-[a-z0-9.]+)*)$")]
    private static partial Regex PinnedTag();

    private sealed class Compose
    {
        private Compose(string text, YamlMappingNode root)
        {
            Text = text;
            Root = root;
            Services = ((YamlMappingNode)Child(root, "services")!).Children
                .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value, StringComparer.Ordinal);
            Instances = [.. Services
                .Where(s => Child(s.Value, "build") is YamlScalarNode { Value: "." }
                    || (Child(Child(s.Value, "build"), "context") is YamlScalarNode { Value: "." } && Child(Child(s.Value, "build"), "target") is null or YamlScalarNode { Value: "runtime" }))
                .Select(s => (s.Key, s.Value))];
            Assert.True(Instances.Count > 0, "No service in the compose file is built from the Dockerfile's service stage (build: .).");
        }

        public static string RepoRoot { get; } = FindRepoRoot();

        public string Text { get; }

        public YamlMappingNode Root { get; }

        public Dictionary<string, YamlMappingNode> Services { get; }

        // The services built from this repository's Dockerfile's service stage: the Orders instances.
        public IReadOnlyList<(string Name, YamlMappingNode Node)> Instances { get; }

        public static Compose Load(string file)
        {
            var text = File.ReadAllText(Path.Combine(RepoRoot, file));
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

        // Each stage's instructions by its name (FROM … AS name), its FROM first.
        public static Dictionary<string, List<Instruction>> Stages(List<Instruction> instructions)
        {
            var stages = new Dictionary<string, List<Instruction>>(StringComparer.Ordinal);
            List<Instruction>? current = null;
            foreach (var instruction in instructions)
            {
                if (instruction.Keyword == "FROM")
                {
                    var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    current = [];
                    stages.Add(words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : $"#{stages.Count}", current);
                }

                current?.Add(instruction);
            }

            return stages;
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
            using var json = JsonDocument.Parse(File.ReadAllText(appsettings), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
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
