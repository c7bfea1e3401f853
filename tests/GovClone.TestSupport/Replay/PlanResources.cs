using GovClone.Deploy;

namespace GovClone.Tests.Support.Replay;

/// <summary>The core's <see cref="DeployPlan"/> as the engine would see the program's registrations.</summary>
public static class PlanResources
{
    public const string Stack = "nonprod";
    public const string Project = "govclone";

    /// <param name="plan">The deployment.</param>
    /// <param name="secrets">Secret values by <see cref="SecretInput.Name"/> (password, sshPrivateKey).</param>
    public static IReadOnlyList<EngineResource> Of(DeployPlan plan, IReadOnlyDictionary<string, string?> secrets)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(secrets);
        string UrnOf(string name) => plan[name].Urn(plan, Stack, Project);
        return plan.Resources.Select(r =>
        {
            var parentType = r.Parent is null ? null : plan[r.Parent].Type;
            var inputs = new Dictionary<string, object?>(StringComparer.Ordinal);
            var secretInputs = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (k, v) in r.Inputs)
            {
                if (v is SecretInput s)
                {
                    secretInputs[k] = secrets.GetValueOrDefault(s.Name);
                }
                else if (v is not null)
                {
                    // A provider's inputs reach the engine as its configuration, every value a string.
                    inputs[k] = r.Type.StartsWith("pulumi:providers:", StringComparison.Ordinal) && v is not string
                        ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)
                        : v;
                }
            }

            var deps = r.DependsOn.Select(UrnOf).ToList();
            if (r.Provider is not null)
            {
                deps.Add(UrnOf(r.Provider));
            }

            return new EngineResource
            {
                Urn = UrnOf(r.Name),
                Name = r.Name,
                Type = r.Type,
                ParentUrn = r.Parent is null ? null : UrnOf(r.Parent),
                Dependencies = deps,
                Inputs = inputs,
                SecretInputs = secretInputs,
                Environment = r.Command?.EnvironmentWith(secrets),
                DeleteBeforeReplace = r.DeleteBeforeReplace,
                RetainOnDelete = r.RetainOnDelete,
                DeletedWith = r.DeletedWith is null ? null : UrnOf(r.DeletedWith),
                Aliases = r.Aliases.Select(a => PlannedResource.UrnOf(a.Name, a.Type ?? r.Type, parentType, Stack, Project)).ToList(),
                // What reaches the engine: the SDK's own options for the type (a Command's replaceOnChanges triggers[*], the provider's
                // additionalSecretOutputs password), then the program's.
                ReplaceOnChanges = [.. ProviderDiffs.For(r.Type).SdkReplaceOnChanges, .. r.ReplaceOnChanges],
                AdditionalSecretOutputs = [.. ProviderDiffs.For(r.Type).SdkAdditionalSecretOutputs, .. r.AdditionalSecretOutputs],
                CustomTimeouts = r.CreateTimeout is null && r.UpdateTimeout is null && r.DeleteTimeout is null ? null : new EngineTimeouts(r.CreateTimeout, r.UpdateTimeout, r.DeleteTimeout),
            };
        }).ToList();
    }
}
