using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GovClone;
using GovClone.Configuration;
using GovClone.Deploy;
using GovClone.Tests.Support.Replay;
using Npgsql;
using YamlDotNet.RepresentationModel;

namespace GovClone.StandIns;

/// <summary>
/// A stand-in for the Pulumi CLI with a file backend, for the workflow tests: the commands the workflows run, with the
/// behaviour they rely on, modelled on the Pulumi CLI's sources (pulumi/pulumi, pkg/cmd/pulumi/stack/ at
/// stack_ls.go 0dfc918789d9, stack_rm.go 242a78a18038, stack_select.go 07bb17eb5e39):
/// <list type="bullet">
/// <item><c>stack ls --json</c>: a JSON array of <c>{name, current, resourceCount}</c> (stackSummaryJSON).</item>
/// <item><c>stack select [--create] NAME</c>: "no stack named 'NAME' found" unless it exists (or --create makes it).</item>
/// <item><c>stack init NAME</c>; <c>stack rm --yes NAME</c>: refused while it has resources (unless --force); removes
/// Pulumi.NAME.yaml too unless --preserve-config; "non-interactive mode requires --yes flag".</item>
/// <item><c>config set [--secret] [--stack S] KEY [VALUE]</c> (VALUE from stdin when absent), <c>config set-all
/// --plaintext K=V … --secret K=V …</c>, <c>config cp --stack S --dest D</c>, <c>config get KEY</c>: plain values in
/// Pulumi.S.yaml; a secret as <c>{secure: …}</c> there and its value in the backend; the stack must exist.</item>
/// <item><c>up --yes</c>: the program is the core's <see cref="DeployPlan"/> for the stack's config, read as
/// components/StackSettings.cs reads it (project defaults from Pulumi.yaml, the stack file, secret config; the password
/// required unless govclone:pgpassFile); the engine's step order is <see cref="EngineModel"/>'s and each step runs
/// through <see cref="ServerRunner"/> (a Command's text by /bin/sh -c in the project directory, the provider's SQL on
/// the server the stack's host and port reach). <c>destroy --yes</c> runs from the stored state only, as Pulumi's does.</item>
/// <item><c>preview</c> prints the steps <c>up</c> would run and runs none; <c>refresh</c> changes nothing here (the
/// program's Commands have no Read; the Database's Read is not modelled).</item>
/// <item>Errors print "error: …" on stderr and exit 255, as the CLI does.</item>
/// </list>
/// </summary>
public static class PulumiStandIn
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            var cli = new Args(args);
            var world = World.Open();
            return cli.Command switch
            {
                "stack ls" => StackLs(world, cli, stdout),
                "stack select" => StackSelect(world, cli),
                "stack init" => StackInit(world, cli),
                "stack rm" => StackRm(world, cli, stdout),
                "config set" => ConfigSet(world, cli),
                "config set-all" => ConfigSetAll(world, cli),
                "config cp" => ConfigCp(world, cli),
                "config get" => ConfigGet(world, cli, stdout),
                "up" => await UpAsync(world, cli, stdout),
                "destroy" => await DestroyAsync(world, cli, stdout),
                "preview" => Preview(world, cli, stdout),
                "refresh" => Refresh(world, cli, stdout),
                "login" or "whoami" => Say(stdout, "stand-in"),
                _ => throw new PulumiError($"unknown command \"{cli.Command}\" for the stand-in pulumi"),
            };
        }
        catch (Exception ex) when (ex is PulumiError or GovCloneException)
        {
            await stderr.WriteLineAsync("error: " + ex.Message);
            return 255;
        }
    }

    private static int Say(TextWriter stdout, string text)
    {
        stdout.WriteLine(text);
        return 0;
    }

    // ------------------------------------------------------------------ stacks

    private static int StackLs(World w, Args a, TextWriter stdout)
    {
        var current = w.CurrentStack;
        var stacks = w.Stacks().Select(name => new JsonObject
        {
            ["name"] = name,
            ["current"] = name == current,
            ["resourceCount"] = w.LoadState(name).Entries.Count,
        }).ToArray();
        stdout.WriteLine(a.Has("--json") || a.Has("-j") ? new JsonArray(stacks).ToJsonString(Indented) : string.Join('\n', stacks.Select(s => (string)s["name"]!)));
        return 0;
    }

    private static int StackSelect(World w, Args a)
    {
        var name = a.StackArgument() ?? throw new PulumiError("no stack name given, use --stack to specify a stack name");
        if (!w.Exists(name))
        {
            if (!(a.Has("--create") || a.Has("-c")))
            {
                throw new PulumiError($"no stack named '{name}' found");
            }

            w.Create(name);
        }

        w.CurrentStack = name;
        return 0;
    }

    private static int StackInit(World w, Args a)
    {
        var name = a.StackArgument() ?? throw new PulumiError("no stack name given");
        if (w.Exists(name))
        {
            throw new PulumiError($"stack '{name}' already exists");
        }

        w.Create(name);
        w.CurrentStack = name;
        return 0;
    }

    private static int StackRm(World w, Args a, TextWriter stdout)
    {
        var name = a.StackArgument() ?? w.RequireCurrent();
        w.Require(name);
        if (!(a.Has("--yes") || a.Has("-y")))
        {
            throw new PulumiError("non-interactive mode requires --yes flag");
        }

        if (w.LoadState(name).Entries.Count > 0 && !(a.Has("--force") || a.Has("-f")))
        {
            throw new PulumiError($"'{name}' still has resources; removal rejected. Possible actions:\n- Make sure that '{name}' is the stack that you want to destroy\n"
                + "- Run `pulumi destroy` to delete the resources, then run `pulumi stack rm`\n- Run `pulumi stack rm --force` to override this error");
        }

        w.Remove(name);
        if (!a.Has("--preserve-config"))
        {
            File.Delete(w.StackFile(name));
        }

        if (w.CurrentStack == name)
        {
            w.CurrentStack = null;
        }

        stdout.WriteLine($"Stack '{name}' has been removed!");
        return 0;
    }

    // ------------------------------------------------------------------ config

    private static int ConfigSet(World w, Args a)
    {
        var stack = a.Value("--stack", "-s") ?? w.RequireCurrent();
        w.Require(stack);
        var key = a.Positional(0) ?? throw new PulumiError("config set requires a KEY");
        var value = a.Positional(1) ?? Console.In.ReadToEnd(); // not a terminal: the value comes from stdin
        w.SetConfig(stack, Qualify(key), value, secret: a.Has("--secret"));
        return 0;
    }

    private static int ConfigSetAll(World w, Args a)
    {
        var stack = a.Value("--stack", "-s") ?? w.RequireCurrent();
        w.Require(stack);
        foreach (var (flag, secret) in new[] { ("--plaintext", false), ("--secret", true) })
        {
            foreach (var pair in a.Values(flag))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new PulumiError($"could not parse {pair} as a configuration key value pair; expected key=value");
                }

                w.SetConfig(stack, Qualify(pair[..eq]), pair[(eq + 1)..], secret);
            }
        }

        return 0;
    }

    private static int ConfigCp(World w, Args a)
    {
        var from = a.Value("--stack", "-s") ?? w.RequireCurrent();
        var to = a.Value("--dest", "-d") ?? throw new PulumiError("config cp requires --dest");
        w.Require(from);
        w.Require(to);
        var (plain, _) = w.ReadConfig(from);
        foreach (var (key, value) in plain)
        {
            w.SetConfig(to, key, value, secret: false);
        }

        foreach (var (key, value) in w.Secrets(from))
        {
            w.SetConfig(to, key, value, secret: true);
        }

        return 0;
    }

    private static int ConfigGet(World w, Args a, TextWriter stdout)
    {
        var stack = a.Value("--stack", "-s") ?? w.RequireCurrent();
        w.Require(stack);
        var key = Qualify(a.Positional(0) ?? throw new PulumiError("config get requires a KEY"));
        var (plain, _) = w.ReadConfig(stack);
        var value = plain.GetValueOrDefault(key) ?? w.Secrets(stack).GetValueOrDefault(key) ?? throw new PulumiError($"configuration key '{key}' not found for stack '{stack}'");
        stdout.WriteLine(value);
        return 0;
    }

    private static string Qualify(string key) => key.Contains(':', StringComparison.Ordinal) ? key : "govclone:" + key;

    // ------------------------------------------------------------------ up, destroy, preview, refresh

    private static async Task<int> UpAsync(World w, Args a, TextWriter stdout)
    {
        var stack = a.Value("--stack", "-s") ?? w.RequireCurrent();
        w.Require(stack);
        RequireYes(a, "update");
        var (settings, program) = Program(w, stack);
        var state = w.LoadState(stack);
        var plan = EngineModel.Update(state, program);
        stdout.WriteLine($"Updating ({stack}):");
        var result = await EngineReplay.RunAsync(state, plan, Runner(w, settings));
        w.SaveState(stack, result.State);
        return Report(stdout, result, "update");
    }

    private static async Task<int> DestroyAsync(World w, Args a, TextWriter stdout)
    {
        var stack = a.Value("--stack", "-s") ?? w.RequireCurrent();
        w.Require(stack);
        RequireYes(a, "destroy");
        var state = w.LoadState(stack);
        var plan = EngineModel.Destroy(state);
        stdout.WriteLine($"Destroying ({stack}):");
        // The provider's SQL of a destroy (a Database's drop) has no program to read the server from: the state's provider inputs.
        var result = await EngineReplay.RunAsync(state, plan, Runner(w, null, state));
        w.SaveState(stack, result.State);
        return Report(stdout, result, "destroy");
    }

    private static int Preview(World w, Args a, TextWriter stdout)
    {
        var stack = a.Value("--stack", "-s") ?? w.RequireCurrent();
        w.Require(stack);
        var (_, program) = Program(w, stack);
        var plan = EngineModel.Update(w.LoadState(stack), program);
        stdout.WriteLine($"Previewing update ({stack}):");
        foreach (var step in plan.Steps.Where(s => s.Op != StepOp.Same))
        {
            stdout.WriteLine($"    {step}");
        }

        stdout.WriteLine($"Resources: {plan.Steps.Count(s => s.Op == StepOp.Same)} unchanged, {plan.Steps.Count(s => s.Op != StepOp.Same)} to change");
        return 0;
    }

    private static int Refresh(World w, Args a, TextWriter stdout)
    {
        var stack = a.Value("--stack", "-s") ?? w.RequireCurrent();
        w.Require(stack);
        RequireYes(a, "refresh");
        stdout.WriteLine($"Refreshing ({stack}): the stand-in reads nothing back (Commands have no Read); the state is unchanged");
        return 0;
    }

    private static void RequireYes(Args a, string what)
    {
        if (!(a.Has("--yes") || a.Has("-y")))
        {
            throw new PulumiError($"--yes or --skip-preview must be passed in to proceed when running in non-interactive mode ({what})");
        }
    }

    private static int Report(TextWriter stdout, ReplayResult result, string what)
    {
        foreach (var step in result.Ran.Where(s => s.Op != StepOp.Same))
        {
            stdout.WriteLine($"    {step}");
        }

        if (result.Failure is { } failure)
        {
            throw new PulumiError($"{what} failed: {failure.Message}");
        }

        stdout.WriteLine($"Resources: {result.State.Entries.Count} in the stack");
        return 0;
    }

    /// <summary>The stack's settings and the program's registrations, as components/StackSettings.cs and PlannedResources.cs make them.</summary>
    private static (GovCloneSettings Settings, IReadOnlyList<EngineResource> Program) Program(World w, string stack)
    {
        var raw = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in w.ProjectDefaults().Concat(w.ReadConfig(stack).Plain))
        {
            if (key.StartsWith(SettingKeys.Namespace + ":", StringComparison.Ordinal))
            {
                raw[key[(SettingKeys.Namespace.Length + 1)..]] = value;
            }
        }

        var secrets = w.Secrets(stack);
        var sshKey = secrets.GetValueOrDefault(SettingKeys.SshPrivateKey.ConfigKey);
        var settings = SettingsParser.Parse(raw, sshPrivateKey: sshKey is null ? null : new Secret("[pulumi secret]")) with { SshPrivateKey = null };
        var password = secrets.GetValueOrDefault(SettingKeys.Password.ConfigKey);
        if (password is null && settings.PgpassFile is null)
        {
            throw new PulumiError($"Missing required configuration variable '{SettingKeys.Password.ConfigKey}'\n\tplease set a value using the command `pulumi config set --secret {SettingKeys.Password.ConfigKey} <value>`");
        }

        var runId = Environment.GetEnvironmentVariable("GOVCLONE_RUN_ID") is { Length: > 0 } id ? id : Guid.NewGuid().ToString("N");
        var plan = DeployPlan.For(settings, new DeployInputs(runId, HasPassword: password is not null, HasSshPrivateKey: sshKey is not null, StackName: stack));
        var program = PlanResources.Of(plan, new Dictionary<string, string?> { [SecretInput.Password] = password, [SecretInput.SshPrivateKey] = sshKey });
        return (settings with { Password = password is null ? null : new Secret(password) }, program);
    }

    /// <summary>Steps run as the providers run them: Commands in the project directory, the postgresql provider's SQL on the stack's server.</summary>
    private static ServerRunner Runner(World w, GovCloneSettings? settings, StackState? state = null)
    {
        string ConnectionString()
        {
            if (settings is not null)
            {
                return new NpgsqlConnectionStringBuilder
                {
                    Host = settings.Host,
                    Port = settings.Port,
                    Username = settings.User,
                    Password = settings.Password?.Reveal(),
                    Database = settings.MaintenanceDatabase,
                    SslMode = Enum.Parse<SslMode>(settings.SslMode, ignoreCase: true),
                    Pooling = false,
                }.ConnectionString;
            }

            var provider = state?.Entries.Select(e => e.Resource).FirstOrDefault(r => r.Type == ResourceTypes.PostgresProvider)
                ?? throw new PulumiError("the state holds no postgresql provider to reach the server with");
            string Input(string k) => Convert.ToString(provider.Inputs.GetValueOrDefault(k), CultureInfo.InvariantCulture) ?? string.Empty;
            return new NpgsqlConnectionStringBuilder
            {
                Host = Input("host"),
                Port = int.Parse(Input("port"), CultureInfo.InvariantCulture),
                Username = Input("username"),
                Password = provider.SecretInputs.GetValueOrDefault("password"),
                Database = Input("database"),
                SslMode = Enum.Parse<SslMode>(Input("sslmode"), ignoreCase: true),
                Pooling = false,
            }.ConnectionString;
        }

        return new ServerRunner(w.ProjectDirectory, async ct =>
        {
            var conn = new NpgsqlConnection(ConnectionString());
            await conn.OpenAsync(ct);
            return conn;
        });
    }

    // ------------------------------------------------------------------ the command line

    /// <summary>cobra-like: the command words, then flags (--name value, --name=value, -s value, booleans) and positionals anywhere.</summary>
    private sealed class Args
    {
        private static readonly HashSet<string> Booleans = new(StringComparer.Ordinal)
        {
            "--json", "-j", "--create", "-c", "--yes", "-y", "--force", "-f", "--preserve-config", "--secret", "--skip-preview", "--refresh", "--diff",
            "--non-interactive", "--all", "-a", "--show-secrets", "--remove-backups", "--path", "--suppress-outputs", "--suppress-progress",
        };

        private readonly List<(string Flag, string? Value)> _flags = [];
        private readonly List<string> _positionals = [];

        public Args(string[] args)
        {
            var words = new List<string>();
            var i = 0;
            while (i < args.Length && !args[i].StartsWith('-') && words.Count < (words.FirstOrDefault() is "stack" or "config" ? 2 : 1))
            {
                words.Add(args[i++]);
            }

            Command = string.Join(' ', words);
            var onlyPositionals = false;
            for (; i < args.Length; i++)
            {
                var a = args[i];
                if (onlyPositionals || !a.StartsWith('-') || a == "-")
                {
                    _positionals.Add(a);
                }
                else if (a == "--")
                {
                    onlyPositionals = true;
                }
                else if (a.Contains('=', StringComparison.Ordinal) && a.StartsWith("--", StringComparison.Ordinal))
                {
                    var eq = a.IndexOf('=', StringComparison.Ordinal);
                    _flags.Add((a[..eq], a[(eq + 1)..]));
                }
                else if (a is "--secret" && Command == "config set-all")
                {
                    _flags.Add((a, args[++i])); // set-all's --secret takes a KEY=VALUE
                }
                else if (Booleans.Contains(a))
                {
                    _flags.Add((a, null));
                }
                else if (i + 1 < args.Length)
                {
                    _flags.Add((a, args[++i]));
                }
                else
                {
                    throw new PulumiError($"flag needs an argument: {a}");
                }
            }
        }

        public string Command { get; }

        public bool Has(string flag) => _flags.Any(f => f.Flag == flag);

        public string? Value(params string[] names) => _flags.LastOrDefault(f => names.Contains(f.Flag) && f.Value is not null).Value;

        public IEnumerable<string> Values(string name) => _flags.Where(f => f.Flag == name && f.Value is not null).Select(f => f.Value!);

        public string? Positional(int index) => index < _positionals.Count ? _positionals[index] : null;

        /// <summary>The stack named by a positional argument or --stack/-s (pulumi refuses both together).</summary>
        public string? StackArgument()
        {
            var flag = Value("--stack", "-s");
            var positional = Positional(0);
            if (flag is not null && positional is not null)
            {
                throw new PulumiError("only one of --stack or argument stack name may be specified, not both");
            }

            return flag ?? positional;
        }
    }

    private sealed class PulumiError(string message) : Exception(message);

    // ------------------------------------------------------------------ the backend and the project

    /// <summary>The file backend (PULUMI_BACKEND_URL=file://DIR: a folder per stack) and the project in the working directory.</summary>
    private sealed class World
    {
        private World(string backend, string projectDirectory, string workspaceFile)
        {
            Backend = backend;
            ProjectDirectory = projectDirectory;
            WorkspaceFile = workspaceFile;
        }

        public string Backend { get; }

        public string ProjectDirectory { get; }

        private string WorkspaceFile { get; }

        public string? CurrentStack
        {
            get => File.Exists(WorkspaceFile) ? File.ReadAllText(WorkspaceFile).Trim() is { Length: > 0 } s ? s : null : null;
            set
            {
                Directory.CreateDirectory(Path.GetDirectoryName(WorkspaceFile)!);
                File.WriteAllText(WorkspaceFile, value ?? string.Empty);
            }
        }

        public static World Open()
        {
            var url = Environment.GetEnvironmentVariable("PULUMI_BACKEND_URL");
            if (url is null || !url.StartsWith("file://", StringComparison.Ordinal))
            {
                throw new PulumiError("PULUMI_BACKEND_URL is not a file:// backend: the stand-in has no other (log in with `pulumi login file://DIR`)");
            }

            var project = Directory.GetCurrentDirectory();
            if (!File.Exists(Path.Combine(project, "Pulumi.yaml")))
            {
                throw new PulumiError("no Pulumi.yaml project file found (searching upwards from " + project + ")");
            }

            var home = Environment.GetEnvironmentVariable("HOME") ?? throw new PulumiError("HOME is not set");
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(project)))[..16];
            return new World(url["file://".Length..], project, Path.Combine(home, ".pulumi", "workspaces", $"govclone-{hash}-workspace"));
        }

        public IEnumerable<string> Stacks() =>
            Directory.Exists(Path.Combine(Backend, "stacks"))
                ? Directory.GetDirectories(Path.Combine(Backend, "stacks")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
                : [];

        public bool Exists(string name) => Directory.Exists(StackDirectory(name));

        public void Require(string name)
        {
            if (!Exists(name))
            {
                throw new PulumiError($"no stack named '{name}' found");
            }
        }

        public string RequireCurrent() => CurrentStack ?? throw new PulumiError("no stack selected; please use `pulumi stack select` to choose one");

        public void Create(string name)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z0-9_.-]+$"))
            {
                throw new PulumiError($"stack names may only contain alphanumeric, hyphens, underscores, or periods: '{name}'");
            }

            Directory.CreateDirectory(StackDirectory(name));
            SaveState(name, StackState.Empty);
        }

        public void Remove(string name) => Directory.Delete(StackDirectory(name), recursive: true);

        public string StackFile(string name) => Path.Combine(ProjectDirectory, $"Pulumi.{name}.yaml");

        private string StackDirectory(string name) => Path.Combine(Backend, "stacks", name);

        /// <summary>The plain values of Pulumi.NAME.yaml's config (lists as JSON text) and its secure keys.</summary>
        public (IReadOnlyDictionary<string, string> Plain, IReadOnlyList<string> Secure) ReadConfig(string name)
        {
            var path = StackFile(name);
            if (!File.Exists(path))
            {
                return (new Dictionary<string, string>(), []);
            }

            var file = GovClone.Configuration.StackFile.Read(path);
            return (file.Values, file.SecureKeys);
        }

        /// <summary>The project's config defaults (Pulumi.yaml's <c>config: KEY: {default: V}</c>).</summary>
        public IEnumerable<KeyValuePair<string, string>> ProjectDefaults()
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(Path.Combine(ProjectDirectory, "Pulumi.yaml")))
            {
                yaml.Load(reader);
            }

            if (yaml.Documents[0].RootNode is YamlMappingNode root && root.Children.TryGetValue(new YamlScalarNode("config"), out var c) && c is YamlMappingNode config)
            {
                foreach (var (k, v) in config.Children)
                {
                    if (v is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("default"), out var d) && d is YamlScalarNode s)
                    {
                        yield return new(((YamlScalarNode)k).Value!, s.Value ?? string.Empty);
                    }
                }
            }
        }

        public IReadOnlyDictionary<string, string> Secrets(string name)
        {
            var path = Path.Combine(StackDirectory(name), "secrets.json");
            return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))! : new Dictionary<string, string>();
        }

        /// <summary>As `pulumi config set`: the stack file gets the plain value, or <c>{secure: …}</c> with the value kept in the backend.</summary>
        public void SetConfig(string name, string key, string value, bool secret)
        {
            var path = StackFile(name);
            var yaml = new YamlStream();
            if (File.Exists(path))
            {
                using var reader = new StreamReader(path);
                yaml.Load(reader);
            }

            if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode)
            {
                yaml = new YamlStream(new YamlDocument(new YamlMappingNode()));
            }

            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            if (!root.Children.TryGetValue(new YamlScalarNode("config"), out var node) || node is not YamlMappingNode config)
            {
                config = new YamlMappingNode();
                root.Children[new YamlScalarNode("config")] = config;
            }

            var secrets = new Dictionary<string, string>(Secrets(name), StringComparer.Ordinal);
            if (secret)
            {
                secrets[key] = value;
                config.Children[new YamlScalarNode(key)] = new YamlMappingNode(new YamlScalarNode("secure"), new YamlScalarNode("standin:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name + key)))[..24]));
            }
            else
            {
                secrets.Remove(key);
                config.Children[new YamlScalarNode(key)] = new YamlScalarNode(value) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted };
            }

            using (var writer = new StreamWriter(path))
            {
                yaml.Save(writer, assignAnchors: false);
            }

            WritePrivate(Path.Combine(StackDirectory(name), "secrets.json"), JsonSerializer.Serialize(secrets));
        }

        public StackState LoadState(string name)
        {
            var path = Path.Combine(StackDirectory(name), "state.json");
            return File.Exists(path) ? StateJson.Read(File.ReadAllText(path)) : StackState.Empty;
        }

        public void SaveState(string name, StackState state) =>
            WritePrivate(Path.Combine(StackDirectory(name), "state.json"), StateJson.Write(state));

        /// <summary>
        /// Replaces the file whole (a temporary file renamed over it), as Pulumi's file backend writes its blobs: two jobs
        /// on one stack at once (two pull requests' previews set the same secret) never read a half-written file.
        /// </summary>
        private static void WritePrivate(string path, string text)
        {
            var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temporary, text);
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite); // the state holds secrets, as Pulumi's does (encrypted there)
            File.Move(temporary, path, overwrite: true);
        }
    }
}
