using System.Globalization;
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
            var (inputs, secretInputs) = Properties(r.Inputs, secrets);
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
                Aliases = r.Aliases.Select(a => new EngineAlias(a.Name, a.Type)).ToList(),
                // What reaches the engine: the SDK's own options for the type (a Command's replaceOnChanges triggers[*], the provider's
                // additionalSecretOutputs password), then the program's.
                ReplaceOnChanges = [.. ProviderDiffs.For(r.Type).SdkReplaceOnChanges, .. r.ReplaceOnChanges],
                AdditionalSecretOutputs = [.. ProviderDiffs.For(r.Type).SdkAdditionalSecretOutputs, .. r.AdditionalSecretOutputs],
                CustomTimeouts = r.CreateTimeout is null && r.UpdateTimeout is null && r.DeleteTimeout is null ? null : new EngineTimeouts(r.CreateTimeout, r.UpdateTimeout, r.DeleteTimeout),
            };
        }).ToList();
    }

    /// <summary>
    /// A resource's typed inputs as the provider receives them: the input names of its Pulumi schema (a Command's
    /// create, delete, triggers …, with the two every lever Command's component sets: logging and
    /// addPreviousOutputInEnv; a Database's name; the provider's configuration, every value a string). The secrets
    /// (the provider's password) apart; a Command's environment is <see cref="EngineResource.Environment"/>.
    /// </summary>
    public static (Dictionary<string, object?> Inputs, Dictionary<string, string?> SecretInputs) Properties(ResourceInputs? inputs, IReadOnlyDictionary<string, string?> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        var secret = new Dictionary<string, string?>(StringComparer.Ordinal);
        switch (inputs)
        {
            case null:
                break;
            case ServerInputs server:
                // A provider's inputs reach the engine as its configuration, every value a string.
                properties["host"] = server.Host;
                properties["port"] = server.Port.ToString(CultureInfo.InvariantCulture);
                properties["username"] = server.Username;
                properties["database"] = server.Database;
                properties["sslmode"] = server.SslMode;
                properties["connectTimeout"] = server.ConnectTimeout.ToString(CultureInfo.InvariantCulture);
                if (server.Password is { } password)
                {
                    secret["password"] = secrets.GetValueOrDefault(password.Name);
                }

                break;
            case DatabaseInputs database:
                properties["name"] = database.Name;
                break;
            case GrantInputs grant:
                properties["database"] = grant.Database;
                properties["role"] = grant.Role;
                properties["objectType"] = grant.ObjectType;
                properties["privileges"] = grant.Privileges;
                break;
            case CommandStep step:
                properties["create"] = step.Create;
                properties["triggers"] = step.Triggers;
                properties["logging"] = "stdoutAndStderr";
                properties["addPreviousOutputInEnv"] = false;
                if (step.Update is not null)
                {
                    properties["update"] = step.Update;
                }

                if (step.Delete is not null)
                {
                    properties["delete"] = step.Delete;
                }

                break;
            default:
                throw new InvalidOperationException($"inputs of a kind the replay does not know: {inputs.GetType().Name}");
        }

        return (properties, secret);
    }
}
