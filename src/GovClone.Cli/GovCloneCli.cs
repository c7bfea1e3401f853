using System.CommandLine;
using System.CommandLine.Invocation;
using Npgsql;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary>
/// <c>govclone</c>: every lever of the runbook one command away. Exit codes: 0 success, 1 drift or a
/// failed check or operation, 2 bad input or refused (by a guard, or a destructive lever without
/// confirmation), 130 cancelled.
/// </summary>
/// <remarks>
/// The commands come in groups, a file each: the clone's levers (CloneLeverCommands.cs), what reads and reports
/// (InspectCommands.cs), what prints texts and settings (PrintCommands.cs), the sandbox (SandboxCommands.cs) and the
/// branches (BranchCommands.cs); what they share (options, settings, confirmation, output) is in Commands.cs, the
/// levers' help in HelpText.cs.
/// </remarks>
public static partial class GovCloneCli
{
    /// <summary>What the root help ends with: where the settings are and what the exit codes mean.</summary>
    internal const string RootFooter = """
        Settings: -c KEY=VALUE, GOVCLONE_*, or the stack file (see `govclone config`).
        Exit codes: 0 ok, 1 drift or failed, 2 bad input or refused, 130 cancelled.
        """;

    public static async Task<int> RunAsync(string[] args, CliHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(host.Out),
            Ansi = host.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = host.IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = host.IsInteractive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!host.IsTerminal)
        {
            console.Profile.Width = 160;
        }

        var cli = new Commands(host, console);
        var root = cli.Build();
        // Like pulumi and kubectl: no arguments at all shows the help.
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        var lever = LeverName(parse);
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            foreach (var e in parse.Errors)
            {
                await host.Error.WriteLineAsync("govclone: " + e.Message);
            }

            await host.Error.WriteLineAsync($"Fix: see `govclone {(lever == "govclone" ? string.Empty : lever + " ")}--help` for the commands and options.");
            if (cli.WantsJson(parse))
            {
                cli.Json.Result(lever, 2, new { error = new { kind = "bad-input", message = string.Join("; ", parse.Errors.Select(e => e.Message)), setting = (string?)null, fix = "see --help" } });
            }

            return 2;
        }

        using var cts = new CancellationTokenSource();
        // CancelAsync, not Cancel: the token's callbacks (the prompt's WaitAsync, and with it the rest of the lever up to
        // Main's return) must not run inline on the runtime's signal-handling thread, which the process's exit waits for.
        // At a confirmation prompt nothing has been changed: the runtime ends the process (SIGINT, exit 130), restoring
        // the terminal, with nothing left to unwind.
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (Confirmation.IsPrompting)
            {
                host.Error.WriteLine();
                host.Error.WriteLine("govclone: cancelled at the confirmation; nothing was changed.");
                host.Error.Flush();
                e.Cancel = false;
                return;
            }

            e.Cancel = true;
            _ = cts.CancelAsync();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = host.Out, Error = host.Error, EnableDefaultExceptionHandler = false }, cts.Token);
        }
        catch (GovCloneException ex)
        {
            await host.Error.WriteLineAsync("govclone: " + ex.Message);
            return cli.Fail(parse, lever, ex.ExitCode, ex);
        }
        catch (OperationCanceledException ex)
        {
            await host.Error.WriteLineAsync("govclone: cancelled; run `govclone up` to converge from wherever it stopped.");
            return cli.Fail(parse, lever, 130, ex);
        }
        catch (NpgsqlException ex)
        {
            await host.Error.WriteLineAsync("govclone: database error: " + (ex is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : ex.Message));
            return cli.Fail(parse, lever, 1, ex);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>The subcommand as typed (<c>drop</c>, <c>sandbox up</c>), or <c>govclone</c> for the root.</summary>
    private static string LeverName(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (command is RootCommand)
        {
            return "govclone";
        }

        return command.Parents.FirstOrDefault() is Command parent and not RootCommand ? parent.Name + " " + command.Name : command.Name;
    }

    /// <summary>
    /// What a lever's help adds under System.CommandLine's own (the root listing shows only the one-line
    /// descriptions): how it works and what it asks. Tests hold these against what the levers do.
}
