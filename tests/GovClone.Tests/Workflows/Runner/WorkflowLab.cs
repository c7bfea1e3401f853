using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GovClone.Processes;
using GovClone.Tests.Support;
using GovClone.Tests.Support.Replay;

namespace GovClone.Tests.Workflows.Runner;

/// <summary>
/// Where the workflow tests' runs happen: an origin repository holding this checkout's workflows, composite action,
/// scripts, SQL, engine and stack files (the stack file pointed at the tests' server, behind the stand-in ssh host
/// <c>contabo</c>, on a free port of its own), a <c>./govclone</c> that runs the CLI built with the tests; a Pulumi file
/// backend and a GitHub stand-in folder shared by all runs (as one Pulumi organisation and one repository are); the
/// repository's secrets; and, per job, a runner home that already holds the runner's own ~/.ssh/config and
/// known_hosts. The stand-ins for pulumi, gh and ssh (Workflows/stand-ins) come first on every step's PATH, then the
/// docker and ssh stand-ins every test uses.
/// </summary>
public sealed partial class WorkflowLab : IAsyncDisposable
{
    public const string Repository = "acme/govclone";
    public const string SshHostName = "db.govclone.test";
    public const string SshHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIStandInHostKeyOfTheDatabaseServer";
    public const string RunnerSshConfig = "Host github.com\n  User git\n  IdentityFile ~/.ssh/runner_key\n";
    public const string RunnerKnownHosts = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n";

    private readonly string _sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nstand-in-" + Guid.NewGuid().ToString("N") + "\n-----END OPENSSH PRIVATE KEY-----";

    private WorkflowLab(TestServer pg, string clone, string root, int port)
    {
        Pg = pg;
        Clone = clone;
        Root = root;
        Port = port;
        Origin = Path.Combine(root, "origin");
        Secrets = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PULUMI_ACCESS_TOKEN"] = "pul-stand-in",
            ["GITHUB_TOKEN"] = "ghs_stand_in",
            ["GOVCLONE_PASSWORD"] = pg.Password,
            ["GOVCLONE_SSH_PRIVATE_KEY"] = _sshKey,
            ["GOVCLONE_SSH_KNOWN_HOSTS"] = $"{SshHostName} {SshHostKey}",
            ["GOVCLONE_SSH_HOSTNAME"] = SshHostName,
            ["GOVCLONE_SSH_USER"] = "deploy",
        };
    }

    public TestServer Pg { get; }

    public string Clone { get; }

    public string Root { get; }

    /// <summary>The stack's govclone:port: the tunnel's local end on every runner.</summary>
    public int Port { get; }

    public string Origin { get; }

    /// <summary>The files of the commit under test (the workflows a run reads).</summary>
    public string RepoFiles => Origin;

    public string BaseSha { get; private set; } = string.Empty;

    public IReadOnlyDictionary<string, string> Secrets { get; }

    public string Backend => Path.Combine(Root, "backend");

    public string GhDirectory => Path.Combine(Root, "gh");

    public string ArgvLog => Path.Combine(Root, "argv.log");

    /// <summary>What every step starts with besides the runner's own variables: a clean environment, not the test host's.</summary>
    public Dictionary<string, string> BaseEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A lab for <paramref name="clone"/>; the stack's port is a free one, or GOVCLONE_WORKFLOW_TEST_PORT (to run workflows
    /// whose tunnel port is fixed, such as the ones before issue 23, whose setup always opened 15432).
    /// </summary>
    public static async Task<WorkflowLab> CreateAsync(TestServer pg, string clone)
    {
        ArgumentNullException.ThrowIfNull(pg);
        var root = Directory.CreateTempSubdirectory($"govclone-workflows-{Environment.ProcessId}-").FullName;
        var port = int.TryParse(Environment.GetEnvironmentVariable("GOVCLONE_WORKFLOW_TEST_PORT"), CultureInfo.InvariantCulture, out var fixedPort) ? fixedPort : FreePort();
        var lab = new WorkflowLab(pg, clone, root, port);
        await lab.InitializeAsync();
        return lab;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task InitializeAsync()
    {
        Directory.CreateDirectory(Backend);
        Directory.CreateDirectory(GhDirectory);
        await File.WriteAllTextAsync(Path.Combine(GhDirectory, "open-prs.json"), "[]");
        var repo = InProcessCli.RepoRoot;
        var standIns = Path.Combine(repo, "tests", "GovClone.Tests", "Workflows", "stand-ins");
        var shared = Path.Combine(AppContext.BaseDirectory, "stand-ins");
        BaseEnvironment["PATH"] = $"{standIns}:{shared}:{Environment.GetEnvironmentVariable("PATH")}";
        foreach (var name in new[] { "LANG", "DOTNET_ROOT", "GOVCLONE_STANDIN_PGHOST", "GOVCLONE_STANDIN_PGPORT", "GOVCLONE_STANDIN_PGBIN" })
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                BaseEnvironment[name] = value;
            }
        }

        BaseEnvironment["DOTNET_NOLOGO"] = "1";
        BaseEnvironment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        BaseEnvironment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        BaseEnvironment["GOVCLONE_STANDIN_LOG"] = ArgvLog;
        BaseEnvironment["GOVCLONE_STANDIN_TOOLS"] = StandInTools();
        BaseEnvironment["GOVCLONE_STANDIN_OWNER_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        BaseEnvironment["GOVCLONE_STANDIN_SSH_HOSTNAME"] = SshHostName;
        BaseEnvironment["GOVCLONE_STANDIN_SSH_HOSTKEY"] = SshHostKey;
        BaseEnvironment["GOVCLONE_STANDIN_SSH_KEY"] = _sshKey;
        BaseEnvironment["PULUMI_BACKEND_URL"] = "file://" + Backend;
        BaseEnvironment["GH_STANDIN_DIR"] = GhDirectory;

        // The origin: this checkout's workflow files, scripts and stack files, as a repository a runner clones.
        Directory.CreateDirectory(Origin);
        foreach (var dir in new[] { ".github", "scripts", "sql", "engine" })
        {
            CopyTree(Path.Combine(repo, dir), Path.Combine(Origin, dir));
        }

        File.Copy(Path.Combine(repo, "Pulumi.yaml"), Path.Combine(Origin, "Pulumi.yaml"));
        await File.WriteAllTextAsync(Path.Combine(Origin, "Pulumi.nonprod.yaml"), StackFile(await File.ReadAllTextAsync(Path.Combine(repo, "Pulumi.nonprod.yaml"))));
        var shim = Path.Combine(Origin, "govclone");
        await File.WriteAllTextAsync(shim, $"#!/bin/sh\n# the repo's wrapper build of the CLI (DeploymentLab.BuiltCli): a wrapper in the lab's copy would build its own in every job\nexec dotnet {ShellQuote.Word(DeploymentLab.BuiltCli())} \"$@\"\n");
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await GitOkAsync(Origin, "init", "-q", "-b", "main");
        await GitOkAsync(Origin, "add", "-A");
        await GitOkAsync(Origin, "commit", "-q", "-m", "the commit under test");
        BaseSha = (await GitOkAsync(Origin, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>The committed nonprod stack file with the server the tests reach: the test's clone, the server's role, the lab's port; the rest as committed (ssh to contabo, its docker container).</summary>
    private string StackFile(string committed)
    {
        var text = committed;
        foreach (var (key, value) in new[] { ("cloneDatabase", Clone), ("user", Pg.Server.SuperUser), ("port", Port.ToString(CultureInfo.InvariantCulture)) })
        {
            var pattern = new Regex($"^  govclone:{key}: .*$", RegexOptions.Multiline);
            Assert.Matches(pattern, text);
            text = pattern.Replace(text, $"  govclone:{key}: \"{value}\"");
        }

        return text + "  govclone:lockTimeoutSeconds: \"600\"\n";
    }

    private static string StandInTools()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        var dll = Path.Combine(InProcessCli.RepoRoot, "tests", "GovClone.StandIns", "bin", configuration, "net10.0", "GovClone.StandIns.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project references tests/GovClone.StandIns, which builds it");
        return dll;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            var target = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, target);
            File.SetUnixFileMode(target, File.GetUnixFileMode(file));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    /// <summary>A pull request's head: a commit on top of the commit under test that changes a file under sql/.</summary>
    public async Task<string> PullRequestHeadAsync(int number)
    {
        var work = Path.Combine(Root, $"pr-{number}");
        await GitOkAsync(Root, "clone", "-q", Origin, work);
        await File.WriteAllTextAsync(Path.Combine(work, "sql", $"pr_{number}_note.md"), $"A change under sql/ of pull request {number}.\n");
        await GitOkAsync(work, "checkout", "-q", "-b", $"pr-{number}");
        await GitOkAsync(work, "add", "-A");
        await GitOkAsync(work, "commit", "-q", "-m", $"pull request {number}");
        await GitOkAsync(work, "push", "-q", "origin", $"pr-{number}");
        return (await GitOkAsync(work, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>The pull_request event GitHub sends for <paramref name="action"/> on pull request <paramref name="number"/>.</summary>
    public WorkflowEvent PullRequest(int number, string action, string headSha) => new("pull_request", new JsonObject
    {
        ["action"] = action,
        ["number"] = number,
        ["pull_request"] = new JsonObject
        {
            ["number"] = number,
            ["state"] = action == "closed" ? "closed" : "open",
            ["base"] = new JsonObject { ["sha"] = BaseSha, ["ref"] = "main" },
            ["head"] = new JsonObject { ["sha"] = headSha, ["ref"] = $"pr-{number}" },
        },
        ["repository"] = new JsonObject { ["full_name"] = Repository },
    }, headSha);

    public WorkflowEvent Dispatch(JsonObject clientPayload) => new("repository_dispatch", new JsonObject
    {
        ["action"] = "production-rollout-landed",
        ["client_payload"] = clientPayload,
        ["repository"] = new JsonObject { ["full_name"] = Repository },
    }, BaseSha);

    public WorkflowEvent Manual(JsonObject inputs) => new("workflow_dispatch", new JsonObject { ["inputs"] = inputs, ["ref"] = "refs/heads/main" }, BaseSha);

    public WorkflowEvent Schedule() => new("schedule", new JsonObject { ["schedule"] = "17 4 * * *" }, BaseSha);

    /// <summary>The pull requests GitHub lists as open (what `gh pr list --state open` prints).</summary>
    public Task SetOpenPullRequestsAsync(params int[] numbers) =>
        File.WriteAllTextAsync(Path.Combine(GhDirectory, "open-prs.json"), new JsonArray([.. numbers.Select(n => (JsonNode)new JsonObject { ["number"] = n })]).ToJsonString());

    /// <summary>The comments posted on pull request <paramref name="number"/>, in order.</summary>
    public IReadOnlyList<string> Comments(int number)
    {
        var dir = Path.Combine(GhDirectory, "comments", number.ToString(CultureInfo.InvariantCulture));
        return Directory.Exists(dir) ? Directory.GetFiles(dir).OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture)).Select(File.ReadAllText).ToList() : [];
    }

    /// <summary>A new runner home for a job: the runner's own ~/.ssh files are there before the job starts.</summary>
    public static string NewRunnerHome(string jobDirectory)
    {
        var home = Path.Combine(jobDirectory, "home");
        var ssh = Path.Combine(home, ".ssh");
        Directory.CreateDirectory(ssh);
        File.SetUnixFileMode(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(ssh, "config"), RunnerSshConfig);
        File.WriteAllText(Path.Combine(ssh, "known_hosts"), RunnerKnownHosts);
        return home;
    }

    /// <summary>The stacks of the Pulumi backend, by running the stand-in pulumi as an engineer would (`pulumi stack ls --json`).</summary>
    public async Task<IReadOnlyList<string>> StacksAsync()
    {
        var r = await PulumiAsync("stack", "ls", "--json");
        Assert.True(r.Ok, r.Output);
        return JsonNode.Parse(r.Output)!.AsArray().Select(s => (string)s!["name"]!).ToList();
    }

    /// <summary>The stand-in pulumi in a checkout of the commit under test, as an engineer runs it by hand (README: pulumi stack init nonprod).</summary>
    public async Task<(bool Ok, string Output)> PulumiAsync(params string[] args)
    {
        var work = Path.Combine(Root, "engineer");
        if (!Directory.Exists(work))
        {
            await GitOkAsync(Root, "clone", "-q", Origin, work);
        }

        var psi = new ProcessStartInfo(Path.Combine(InProcessCli.RepoRoot, "tests", "GovClone.Tests", "Workflows", "stand-ins", "pulumi"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = work,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Clear();
        foreach (var (k, v) in BaseEnvironment)
        {
            psi.Environment[k] = v;
        }

        psi.Environment["HOME"] = Path.Combine(Root, "engineer-home");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode == 0, await stdout + await stderr);
    }

    public static async Task<(bool Ok, string Output)> GitAsync(string directory, params string[] args)
    {
        var r = await ProcessRunner.RunAsync(new ProcessSpec("git", ["-c", "user.name=GovClone tests", "-c", "user.email=tests@govclone.test", "-c", "advice.detachedHead=false", .. args])
        {
            WorkingDirectory = directory,
        });
        return (r.Succeeded, r.StandardOutput + r.StandardError);
    }

    private static async Task<string> GitOkAsync(string directory, params string[] args)
    {
        var r = await GitAsync(directory, args);
        Assert.True(r.Ok, $"git {string.Join(' ', args)}: {r.Output}");
        return r.Output;
    }

    private readonly List<int> _orphans = [];
    private int _runningJobs;

    public void JobStarted()
    {
        lock (_orphans)
        {
            _runningJobs++;
        }
    }

    /// <summary>
    /// Ends what a job left running (its tunnel), as a runner ends orphans at a job's end. Jobs that run at the same time
    /// stand for separate runners, but their tunnels share this machine's port (SO_REUSEPORT, see the stand-in forward),
    /// and the kernel may hand one job's connection to another's tunnel; so while any job still runs, ended jobs' tunnels
    /// are ended only when the last running job ends. Jobs one after the other each end theirs at once.
    /// </summary>
    public void JobEnded(IReadOnlyList<int> orphans)
    {
        ArgumentNullException.ThrowIfNull(orphans);
        List<int> end;
        lock (_orphans)
        {
            _runningJobs--;
            _orphans.AddRange(orphans);
            if (_runningJobs > 0)
            {
                return;
            }

            end = [.. _orphans];
            _orphans.Clear();
        }

        foreach (var pid in end)
        {
            if (!IsStandInForward(pid))
            {
                continue; // gone, and its pid perhaps another process's by now (pids wrap): never end that one
            }

            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill(entireProcessTree: true);
                p.WaitForExit(TimeSpan.FromSeconds(30));
            }
            catch (ArgumentException)
            {
                // gone already
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    /// <summary>Whether <paramref name="pid"/> is still a stand-in tunnel (GovClone.StandIns <c>forward</c>), by its command line.</summary>
    private static bool IsStandInForward(int pid)
    {
        try
        {
            var argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return argv.Any(a => a.EndsWith("GovClone.StandIns.dll", StringComparison.Ordinal)) && argv.Contains("forward");
        }
        catch (IOException)
        {
            return false; // no such process
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
