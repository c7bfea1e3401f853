using System.Diagnostics;
using GovClone.Guards;
using GovClone.Processes;
using Npgsql;

namespace GovClone.Tests.Support.Replay;

/// <summary>One thing that ran at the server during a replay.</summary>
public sealed record ServerAction(string Resource, string What, string Text, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"{Resource} {What}: {(Text.Length > 120 ? Text[..120] + "…" : Text)} -> exit {ExitCode}";
}

/// <summary>
/// Runs steps against a real PostgreSQL as the providers do: a Command's text by <c>/bin/sh -c</c> in the project
/// directory with the process environment plus the Command's environment (Pulumi.Command's local Command; Update
/// runs the update text, or the create text when there is none; Delete runs with the inputs stored last), and the
/// postgresql provider's SQL for a Database (CREATE DATABASE; its delete: DROP DATABASE … WITH (FORCE), no IF
/// EXISTS) and a Grant (REVOKE ALL … FROM PUBLIC for an empty privilege list). Providers and components run nothing.
/// </summary>
public sealed class ServerRunner(string projectDirectory, Func<CancellationToken, Task<NpgsqlConnection>> openMaintenance) : IStepRunner
{
    private readonly List<ServerAction> _actions = [];

    /// <summary>Every action so far, in order.</summary>
    public IReadOnlyList<ServerAction> Actions
    {
        get
        {
            lock (_actions)
            {
                return [.. _actions];
            }
        }
    }

    public string ProjectDirectory { get; } = projectDirectory;

    /// <summary>Extra variables for every Command (beside the process's own), e.g. a transport stand-in's.</summary>
    public Dictionary<string, string?> ExtraEnvironment { get; } = new(StringComparer.Ordinal);

    public Task CreateAsync(EngineResource resource, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.Type switch
        {
            "command:local:Command" => RunCommandAsync(resource, "create", resource.Create, ct),
            "postgresql:index/database:Database" => SqlAsync(resource, "create", $"CREATE DATABASE {DatabaseNameGuard.QuoteIdentifier((string)resource.Inputs["name"]!)}", ct),
            "postgresql:index/grant:Grant" => SqlAsync(resource, "create", RevokeAll(resource), ct),
            _ => Task.CompletedTask,
        };
    }

    public Task UpdateAsync(EngineResource old, EngineResource updated, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(updated);
        return updated.Type switch
        {
            "command:local:Command" => RunCommandAsync(updated, "update", updated.Update ?? updated.Create, ct),
            _ => Task.CompletedTask, // a provider's, a Database's or a Grant's update changes nothing this program sets
        };
    }

    public Task DeleteAsync(EngineResource old, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(old);
        return old.Type switch
        {
            "command:local:Command" when old.Delete is not null => RunCommandAsync(old, "delete", old.Delete, ct),
            "postgresql:index/database:Database" => SqlAsync(old, "delete", $"DROP DATABASE {DatabaseNameGuard.QuoteIdentifier((string)old.Inputs["name"]!)} WITH (FORCE)", ct),
            "postgresql:index/grant:Grant" => SqlAsync(old, "delete", RevokeAll(old), ct),
            _ => Task.CompletedTask,
        };
    }

    /// <summary>Runs a Command's text as Pulumi.Command does: <c>/bin/sh -c TEXT</c>, stdin from its input, in the project directory.</summary>
    public async Task<ServerAction> RunTextAsync(string resource, string what, string text, IReadOnlyDictionary<string, string>? environment, string? stdin, CancellationToken ct)
    {
        var env = new Dictionary<string, string?>(ExtraEnvironment, StringComparer.Ordinal);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        var result = await ProcessRunner.RunAsync(new ProcessSpec("/bin/sh", ["-c", text])
        {
            WorkingDirectory = ProjectDirectory,
            Environment = env,
            StandardInput = stdin ?? string.Empty,
        }, ct);
        var action = new ServerAction(resource, what, text, result.ExitCode, result.StandardOutput, result.StandardError);
        lock (_actions)
        {
            _actions.Add(action);
        }

        return action;
    }

    private async Task RunCommandAsync(EngineResource r, string what, string? text, CancellationToken ct)
    {
        if (text is null)
        {
            return;
        }

        var action = await RunTextAsync(r.Name, what, text, r.Environment, r.Stdin, ct);
        if (action.ExitCode != 0)
        {
            throw new StepFailedException(new EngineStep(what == "delete" ? StepOp.Delete : StepOp.Create, r, r),
                $"{what} exited {action.ExitCode}:\n{Tail(action.Stderr)}\n{Tail(action.Stdout)}");
        }
    }

    private async Task SqlAsync(EngineResource r, string what, string sql, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            await using var conn = await openMaintenance(ct);
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync(ct);
            lock (_actions)
            {
                _actions.Add(new ServerAction(r.Name, what, sql, 0, string.Empty, string.Empty));
            }
        }
        catch (PostgresException ex)
        {
            lock (_actions)
            {
                _actions.Add(new ServerAction(r.Name, what, sql, 1, string.Empty, ex.MessageText));
            }

            throw new StepFailedException(new EngineStep(StepOp.Create, r, r), $"{what}: {sql}: {ex.SqlState} {ex.MessageText}", ex);
        }
    }

    private static string RevokeAll(EngineResource grant) =>
        $"REVOKE ALL ON DATABASE {DatabaseNameGuard.QuoteIdentifier((string)grant.Inputs["database"]!)} FROM PUBLIC";

    private static string Tail(string text) => string.Join('\n', text.Trim().Split('\n').TakeLast(15));
}
