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
/// Runs steps against a real PostgreSQL as the providers do (sources in <see cref="ProviderDiffs"/>): a Command's
/// text by <c>/bin/sh -c</c> in the project directory with the process environment plus the Command's environment
/// (Pulumi.Command's local Command; Update runs the update text, or the create text when there is none; Delete runs
/// with the inputs stored last), and the postgresql provider's SQL (terraform-provider-postgresql ff936b9548c1) for a
/// Database (<c>resource_postgresql_database.go</c>: create <c>CREATE DATABASE … OWNER &lt;the provider's user&gt;
/// TEMPLATE template0 ENCODING 'UTF8' ALLOW_CONNECTIONS true CONNECTION LIMIT -1 IS_TEMPLATE false</c> for the inputs
/// this program sets; update of <c>name</c>: <c>ALTER DATABASE old RENAME TO new</c>; delete: no more connections,
/// <c>DROP DATABASE … WITH (FORCE)</c>, no IF EXISTS) and a Grant (<c>resource_postgresql_grant.go</c>: create and
/// update revoke all, then grant the listed privileges, none here: <c>REVOKE ALL … FROM PUBLIC</c>). Providers and
/// components run nothing.
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
            "postgresql:index/database:Database" => CreateDatabaseAsync(resource, ct),
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
            "postgresql:index/database:Database" => UpdateDatabaseAsync(old, updated, ct),
            "postgresql:index/grant:Grant" => SqlAsync(updated, "update", RevokeAll(updated), ct),
            _ => Task.CompletedTask, // a provider's update reconfigures it; nothing runs at the server
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

    /// <summary>The provider's createDatabase for a Database with only <c>name</c> set (every other attribute at its schema default).</summary>
    private async Task CreateDatabaseAsync(EngineResource r, CancellationToken ct)
    {
        string user;
        await using (var conn = await openMaintenance(ct))
        await using (var cmd = new NpgsqlCommand("SELECT current_user", conn))
        {
            user = (string)(await cmd.ExecuteScalarAsync(ct))!;
        }

        await SqlAsync(r, "create",
            $"CREATE DATABASE {DatabaseNameGuard.QuoteIdentifier((string)r.Inputs["name"]!)} OWNER {DatabaseNameGuard.QuoteIdentifier(user)} TEMPLATE template0 ENCODING 'UTF8' ALLOW_CONNECTIONS true CONNECTION LIMIT -1 IS_TEMPLATE false", ct);
    }

    /// <summary>The provider's Update of a Database: <c>setDBName</c> renames it when <c>name</c> changed; the other attributes this program never sets.</summary>
    private Task UpdateDatabaseAsync(EngineResource old, EngineResource updated, CancellationToken ct)
    {
        var (from, to) = ((string)old.Inputs["name"]!, (string)updated.Inputs["name"]!);
        return from == to
            ? Task.CompletedTask
            : SqlAsync(updated, "update", $"ALTER DATABASE {DatabaseNameGuard.QuoteIdentifier(from)} RENAME TO {DatabaseNameGuard.QuoteIdentifier(to)}", ct);
    }

    private static string RevokeAll(EngineResource grant) =>
        $"REVOKE ALL ON DATABASE {DatabaseNameGuard.QuoteIdentifier((string)grant.Inputs["database"]!)} FROM PUBLIC";

    private static string Tail(string text) => string.Join('\n', text.Trim().Split('\n').TakeLast(15));
}
