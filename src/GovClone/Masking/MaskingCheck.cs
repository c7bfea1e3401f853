using GovClone.Configuration;
using GovClone.Guards;

namespace GovClone.Masking;

/// <summary>The masking as part of a clone's identity: its marker's <c>masking=</c> against govclone:masking's rules in force.</summary>
public static class MaskingCheck
{
    /// <summary>Why a marked clone's masking is not the one this config wants (what <c>up</c> says when it re-clones), or null.</summary>
    public static string? NotCurrentBecause(FamilyMarker marker, GovCloneSettings s)
    {
        ArgumentNullException.ThrowIfNull(marker);
        ArgumentNullException.ThrowIfNull(s);
        var have = marker["masking"];
        var want = s.Masking.Identity;
        if (string.Equals(have, want, StringComparison.Ordinal))
        {
            return null;
        }

        return have is null
            ? $"it was made before masking (its marker names none), and govclone:masking is {s.Masking.Summary}"
            : $"it is masked {have}, and govclone:masking is {want}: {s.Masking.Summary}";
    }
}
