using System.Globalization;

namespace GovClone.Branches;

/// <summary>
/// <c>branch gc --older-than DURATION</c>: one or more of a whole number and a unit, <c>s</c>, <c>m</c>, <c>h</c> or
/// <c>d</c> (<c>24h</c>, <c>90m</c>, <c>1d12h</c>, <c>0s</c>). Read character by character.
/// </summary>
public static class BranchDuration
{
    public const string Option = "--older-than";

    public static TimeSpan Parse(string? text)
    {
        var fix = "write a whole number and a unit s, m, h or d, e.g. 24h, 90m or 7d";
        if (string.IsNullOrEmpty(text))
        {
            throw new ConfigurationException(Option, "is empty", fix);
        }

        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || i == text.Length || i - start > 9)
            {
                throw new ConfigurationException(Option, $"'{text}' is not a duration", fix);
            }

            var n = long.Parse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            total += text[i] switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => throw new ConfigurationException(Option, $"'{text}' is not a duration (unit '{text[i]}')", fix),
            };
            i++;
        }

        return total;
    }

    /// <summary>A duration as the option writes it: <c>1d12h</c>, <c>24h</c>, <c>90m</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
        {
            return "0s";
        }

        var parts = new List<string>();
        if (span.Days > 0)
        {
            parts.Add(span.Days.ToString(CultureInfo.InvariantCulture) + "d");
        }

        if (span.Hours > 0)
        {
            parts.Add(span.Hours.ToString(CultureInfo.InvariantCulture) + "h");
        }

        if (span.Minutes > 0)
        {
            parts.Add(span.Minutes.ToString(CultureInfo.InvariantCulture) + "m");
        }

        if (span.Seconds > 0)
        {
            parts.Add(span.Seconds.ToString(CultureInfo.InvariantCulture) + "s");
        }

        return string.Concat(parts);
    }
}
