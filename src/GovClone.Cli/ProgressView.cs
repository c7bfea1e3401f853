using System.Globalization;
using GovClone.Decision;
using GovClone.Lifecycle;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary>
/// Shows clone progress: bytes written, rows copied, elapsed and an estimate. On a terminal a live
/// line redrawn in place; otherwise a plain line every few seconds (CI logs, Pulumi output).
/// </summary>
internal sealed class ProgressView : IProgress<CloneProgress>
{
    private readonly IAnsiConsole _console;
    private readonly TextWriter _out;
    private readonly bool _terminal;
    private readonly object _gate = new();
    private DateTime _lastLine = DateTime.MinValue;
    private string? _lastPhase;

    public ProgressView(IAnsiConsole console, TextWriter output, bool terminal)
    {
        _console = console;
        _out = output;
        _terminal = terminal;
    }

    public static string Describe(CloneProgress p)
    {
        var pct = p.Fraction is { } f ? (f * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "?%";
        var of = p.SourceBytes is { } s ? " of ~" + LifecycleDecider.FormatBytes(s) : string.Empty;
        var eta = p.Estimate is { } e ? $", ~{e.TotalSeconds:0}s left" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"{p.Phase}: {LifecycleDecider.FormatBytes(p.BytesWritten)}{of} written ({pct}), {p.RowsCopied:N0} rows, {p.Elapsed.TotalSeconds:0.0}s elapsed{eta}");
    }

    public void Report(CloneProgress value)
    {
        lock (_gate)
        {
            var phaseChanged = value.Phase != _lastPhase;
            _lastPhase = value.Phase;
            if (value.Message is not null && phaseChanged)
            {
                if (_terminal)
                {
                    _out.Write("\r\u001b[2K");
                }

                _out.WriteLine("govclone: " + value.Message);
                return;
            }

            if (value.Phase == "done")
            {
                // The last line always shows, and shows what the result says (the same rows, the final size).
                _out.WriteLine((_terminal ? "\r\u001b[2K" : string.Empty) + "govclone: " + Describe(value));
                return;
            }

            if (_terminal)
            {
                var width = Math.Max(10, Math.Min(30, _console.Profile.Width - 100));
                var filled = (int)Math.Round((value.Fraction ?? 0) * width);
                _out.Write("\r\u001b[2K[" + new string('#', filled) + new string('.', width - filled) + "] " + Describe(value));
                _out.Flush();
            }
            else if (DateTime.UtcNow - _lastLine >= TimeSpan.FromSeconds(5))
            {
                _lastLine = DateTime.UtcNow;
                _out.WriteLine("govclone: " + Describe(value));
            }
        }
    }
}
