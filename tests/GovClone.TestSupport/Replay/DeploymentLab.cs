using System.Globalization;
using GovClone.Configuration;
using GovClone.Deploy;

namespace GovClone.Tests.Support.Replay;

/// <summary>
/// A stack replayed against the tests' real PostgreSQL: its state, and each <c>pulumi up</c> / <c>pulumi destroy</c>
/// run step by step in the engine's order, every Command's text by <c>/bin/sh -c</c> in a project directory whose
/// <c>./govclone</c> runs the repo's wrapper build of the CLI (<see cref="BuiltCli"/>), built once per test process, not once per project directory.
/// </summary>
public sealed class DeploymentLab : IAsyncDisposable
{
    private int _run;

    private DeploymentLab(TestServer pg, string projectDirectory)
    {
        Pg = pg;
        ProjectDirectory = projectDirectory;
        Runner = new ServerRunner(projectDirectory, ct => OpenMaintenanceAsync(pg, ct));
    }

    public TestServer Pg { get; }

    public string ProjectDirectory { get; }

    public ServerRunner Runner { get; }

    public StackState State { get; private set; } = StackState.Empty;

    /// <summary>A lab whose <c>./govclone</c> is <paramref name="cliDll"/> (default: <see cref="BuiltCli"/>).</summary>
    public static DeploymentLab Create(TestServer pg, string? cliDll = null)
    {
        ArgumentNullException.ThrowIfNull(pg);
        cliDll ??= BuiltCli();
        if (!File.Exists(cliDll))
        {
            throw new FileNotFoundException("GovClone.Cli.dll is not beside the tests: reference src/GovClone.Cli", cliDll);
        }

        var dir = Directory.CreateTempSubdirectory("govclone-replay-").FullName;
        var shim = Path.Combine(dir, "govclone");
        File.WriteAllText(shim, $"#!/bin/sh\nexec dotnet '{cliDll.Replace("'", "'\\''", StringComparison.Ordinal)}' \"$@\"\n");
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new DeploymentLab(pg, dir);
    }

    /// <summary>
    /// The CLI the replays start: the wrapper's build (<see cref="WrapperCli"/>, what the Commands' <c>./govclone</c>
    /// runs for a user), or with <c>GOVCLONE_TEST_CLI=debug</c> GovClone.Cli.dll in the CLI project's own output for the
    /// tests' configuration. Not the copy beside the tests: a test project's other packages may have replaced a
    /// dependency there with another version the CLI was not built against.
    /// </summary>
    public static string BuiltCli()
    {
        if (WrapperCli.Path is { } wrapper)
        {
            return wrapper;
        }

        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        var repo = GovClone.Configuration.SettingsLoader.FindProjectDirectory(AppContext.BaseDirectory);
        var own = Path.Combine(repo, "src", "GovClone.Cli", "bin", configuration, "net10.0", "GovClone.Cli.dll");
        return File.Exists(own) ? own : Path.Combine(AppContext.BaseDirectory, "GovClone.Cli.dll");
    }

    /// <summary>The program the core's plan describes for <paramref name="settings"/>, as the engine sees it (a fresh run id each call).</summary>
    /// <param name="stack">The stack's name (a branch stack, govclone:branchOf, names its branch after it).</param>
    public IReadOnlyList<EngineResource> Program(GovCloneSettings settings, string? password = null, string? sshKey = null, string stack = PlanResources.Stack) =>
        Registrations(settings, password, sshKey, stack, PlanResources.Of);

    /// <summary>The program as released before issue 24 (<see cref="Replay.ReleasedProgram"/>) for <paramref name="settings"/>: what an existing stack's state holds.</summary>
    public IReadOnlyList<EngineResource> ReleasedProgram(GovCloneSettings settings, string? password = null, string? sshKey = null) =>
        Registrations(settings, password, sshKey, PlanResources.Stack, Replay.ReleasedProgram.Of);

    private List<EngineResource> Registrations(GovCloneSettings settings, string? password, string? sshKey, string stack,
        Func<DeployPlan, IReadOnlyDictionary<string, string?>, IReadOnlyList<EngineResource>> registrations)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var runId = "run-" + Interlocked.Increment(ref _run).ToString(CultureInfo.InvariantCulture);
        var pw = password ?? settings.Password?.Reveal();
        var plan = DeployPlan.For(settings with { Password = null, SshPrivateKey = null }, new DeployInputs(runId, HasPassword: pw is not null, HasSshPrivateKey: sshKey is not null, StackName: stack));
        return [.. registrations(plan, new Dictionary<string, string?> { [SecretInput.Password] = pw, [SecretInput.SshPrivateKey] = sshKey })];
    }

    /// <summary><c>pulumi up</c> of <paramref name="program"/>: the plan, and the replay's outcome (the state moves on even when a step fails).</summary>
    public async Task<(EnginePlan Plan, ReplayResult Result)> UpAsync(IReadOnlyList<EngineResource> program, CancellationToken ct = default)
    {
        var plan = EngineModel.Update(State, program);
        var result = await EngineReplay.RunAsync(State, plan, Runner, ct);
        State = result.State;
        return (plan, result);
    }

    /// <summary><c>pulumi destroy</c>.</summary>
    public async Task<(EnginePlan Plan, ReplayResult Result)> DestroyAsync(CancellationToken ct = default)
    {
        var plan = EngineModel.Destroy(State);
        var result = await EngineReplay.RunAsync(State, plan, Runner, ct);
        State = result.State;
        return (plan, result);
    }

    private static async Task<Npgsql.NpgsqlConnection> OpenMaintenanceAsync(TestServer pg, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return await pg.OpenAsync("postgres");
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(ProjectDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
