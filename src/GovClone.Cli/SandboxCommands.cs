using System.CommandLine;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Lifecycle;
using GovClone.Sandbox;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary><c>sandbox up</c> and <c>sandbox down</c>: every lever tried on a private PostgreSQL with a generated stand-in source.</summary>
public static partial class GovCloneCli
{
    private sealed partial class Commands
    {
        private Command SandboxCommand()
        {
            var sandbox = new Command("sandbox", "try every lever on a private PostgreSQL and a stand-in source");
            var size = new Option<string?>("--size") { Description = "pad the generated source with realistic audit data up to this size, e.g. 1.2GB" };
            var sandboxUp = new Command("up", "start the sandbox server, generate the source, run `up`, show status and decision") { size };
            sandboxUp.SetAction((p, ct) => SandboxUpAsync(p, p.GetValue(size), ct));
            var sandboxDown = new Command("down", "stop the sandbox server and remove it with its stack file");
            sandboxDown.SetAction((p, ct) => SandboxDownAsync(p, ct));
            sandbox.Subcommands.Add(sandboxUp);
            sandbox.Subcommands.Add(sandboxDown);
            return sandbox;
        }

        private async Task<int> SandboxUpAsync(ParseResult p, string? size, CancellationToken ct)
        {
            NoJson(p, "sandbox up", "it shows tables; run `govclone status --json --stack sandbox` after it");
            long? target = size is null ? null : SourceGenerator.ParseSize(size);
            var sandbox = new SandboxEnvironment(SettingsLoader.FindProjectDirectory(_host.WorkingDirectory));
            _console.MarkupLine($"sandbox: starting a private PostgreSQL in {Markup.Escape(sandbox.StateDirectory)}");
            var (server, created) = await sandbox.StartAsync(ct: ct);
            _console.MarkupLine($"sandbox: server on {server.Host}:{server.Port} ({Markup.Escape(server.BinDirectory)}); source 'directus' {(created ? "generated" : "already there")}");
            if (target is { } t)
            {
                var lastReport = DateTime.MinValue;
                var final = await SourceGenerator.PadAsync(server, "directus", t, new Progress<(long Bytes, long Rows)>(x =>
                {
                    if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(5))
                    {
                        lastReport = DateTime.UtcNow;
                        _host.Out.WriteLine($"sandbox: source {LifecycleDecider.FormatBytes(x.Bytes)} / {LifecycleDecider.FormatBytes(t)}, {x.Rows:N0} activity rows");
                    }
                }), ct);
                _console.MarkupLine($"sandbox: source padded to {LifecycleDecider.FormatBytes(final)}");
            }

            _console.MarkupLine($"sandbox: wrote {Markup.Escape(sandbox.StackFile)} (use -s sandbox)");
            var settings = SettingsLoader.Load(new SettingsSources
            {
                StackFilePath = sandbox.StackFile,
                SearchDirectory = sandbox.ProjectDirectory,
                Environment = _host.Environment ?? SettingsSources.ReadEnvironment(),
            });
            var lifecycle = new CloneLifecycle(settings, new ProgressView(_console, _host.Out, _host.IsTerminal));
            var up = await lifecycle.UpAsync(ct);
            ReportUp(up);
            var status = await lifecycle.StatusAsync(ct);
            _console.Write(Rendering.Status(status));
            _console.Write(Rendering.Factors(status.Decision));
            _console.MarkupLine($"decision: [bold]{status.Decision.Verdict}[/]");
            _console.MarkupLine("next: `govclone status -s sandbox`, `govclone verify -s sandbox`, … ; `govclone sandbox down` removes it all.");
            return up.Verify.Passed ? 0 : 1;
        }

        private async Task<int> SandboxDownAsync(ParseResult p, CancellationToken ct)
        {
            NoJson(p, "sandbox down", "it prints one line");
            var sandbox = new SandboxEnvironment(SettingsLoader.FindProjectDirectory(_host.WorkingDirectory));
            var existed = await sandbox.DestroyAsync(ct);
            _console.MarkupLine(existed ? "sandbox: stopped and removed" : "sandbox: nothing to remove");
            return 0;
        }
    }
}
