using System.CommandLine;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Lifecycle;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary>What reads and reports, changing nothing: <c>verify</c>, <c>status</c>, <c>decide</c>, <c>fingerprint</c>.</summary>
public static partial class GovCloneCli
{
    private sealed partial class Commands
    {
        private readonly Option<bool> _markdown = new("--markdown") { Description = "the decision record in the seed's shape" };

        private Command VerifyCommand()
        {
            var verify = new Command("verify", "run the regression suite (have/want); exit 1 on drift") { _profile, _onBranch };
            verify.SetAction(VerifyAsync);
            return verify;
        }

        private Command StatusCommand()
        {
            var status = new Command("status", "clone, template, metrics, sessions and the decision");
            status.SetAction(StatusAsync);
            return status;
        }

        private Command DecideCommand()
        {
            var decide = new Command("decide", "the lifecycle decision (RETAIN/DROP) from live facts") { _markdown };
            decide.SetAction(DecideAsync);
            return decide;
        }

        private Command FingerprintCommand()
        {
            var fingerprint = new Command("fingerprint", "production's fingerprint, read-only");
            fingerprint.SetAction(FingerprintAsync);
            return fingerprint;
        }

        private async Task<int> VerifyAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            var onBranch = p.GetValue(_onBranch);
            var result = onBranch is null
                ? await Lifecycle(p, s).VerifyAsync(Profile(p), ct)
                : await new GovClone.Lifecycle.BranchLifecycle(s).VerifyAsync(onBranch, Profile(p), ct);
            var exit = result.Passed ? 0 : 1;
            if (p.GetValue(_g.Json))
            {
                return Json.Result("verify", exit, onBranch is null ? Rendering.VerifyJson(result) : BranchVerifyJson(s, onBranch, result));
            }

            _console.Write(Rendering.HaveWant(result));
            if (result.Masking is { } masking)
            {
                _console.MarkupLine(Markup.Escape(masking.Line));
            }

            _console.MarkupLine(result.Passed ? "verify: PASS" : "[red]verify: DRIFT[/] (" + Markup.Escape(string.Join("; ", result.Drift.Select(d => $"{d.Want.Name} have {d.Have?.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"} want {d.Want.Value}"))) + ")");
            return exit;
        }

        private async Task<int> StatusAsync(ParseResult p, CancellationToken ct)
        {
            var s = await Lifecycle(p, Settings(p)).StatusAsync(ct);
            if (p.GetValue(_g.Json))
            {
                return Json.Result("status", 0, Rendering.StatusJson(s));
            }

            _console.Write(Rendering.Status(s));
            return 0;
        }

        private async Task<int> DecideAsync(ParseResult p, CancellationToken ct)
        {
            var markdown = p.GetValue(_markdown);
            if (markdown && p.GetValue(_g.Json))
            {
                throw new ConfigurationException("--markdown", "cannot be combined with --json", "pick one: --json for machines, --markdown for the decision record");
            }

            var settings = Settings(p);
            var s = await new CloneLifecycle(settings).StatusAsync(ct);
            if (markdown)
            {
                var (stack, options) = Invocation(p);
                _host.Out.Write(DecisionRecord.RenderMarkdown(settings, s.Facts, s.Decision, stack, options));
            }
            else if (p.GetValue(_g.Json))
            {
                return Json.Result("decide", 0, Rendering.DecisionJson(s.Decision));
            }
            else
            {
                _console.Write(Rendering.Factors(s.Decision));
                _console.MarkupLine($"decision: [bold]{s.Decision.Verdict}[/] ({Markup.Escape(s.Decision.Reason)})");
            }

            return 0;
        }

        /// <summary>
        /// How this run chose its settings, for lines people paste: the stack when not the default (<c>-s NAME</c>), and
        /// the other choices as options (<c>--stack-file</c> as a full path, <c>--no-stack-file</c>, each flag as <c>-c KEY=VALUE</c>).
        /// </summary>
        private (string? Stack, IReadOnlyList<string> Options) Invocation(ParseResult p)
        {
            var sources = _g.Sources(p, _host);
            var stack = sources.StackName is { } name && name != SettingsSources.DefaultStackName ? name : null;
            var options = new List<string>();
            if (sources.StackFilePath is { } file)
            {
                options.AddRange(["--stack-file", Path.GetFullPath(file, _host.WorkingDirectory)]);
            }

            if (sources.NoStackFile)
            {
                options.Add("--no-stack-file");
            }

            foreach (var (key, value) in sources.Flags)
            {
                options.AddRange(["-c", $"{key}={value}"]);
            }

            return (stack, options);
        }

        private async Task<int> FingerprintAsync(ParseResult p, CancellationToken ct)
        {
            var f = await Lifecycle(p, Settings(p)).FingerprintSourceAsync(ct);
            if (p.GetValue(_g.Json))
            {
                return Json.Result("fingerprint", 0, new { governance = f.Governance, catalog = f.Catalog });
            }

            _host.Out.WriteLine($"governance {f.Governance}\ncatalog {f.Catalog}");
            return 0;
        }
    }
}
