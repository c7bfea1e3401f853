using GovClone.Deploy;
using Pulumi;
using Pg = Pulumi.PostgreSql;

namespace GovCloneInfra;

/// <summary>
/// The clone database as a Pulumi resource, through an explicit provider (its Read lets <c>pulumi refresh</c> see
/// an out-of-band drop), closed to the app (CONNECT and TEMPORARY revoked from PUBLIC). Created empty on a new
/// stack; filled, re-created and dropped only by govclone levers under the run lock (retainOnDelete: the
/// provider never drops it).
/// </summary>
public sealed class CloneDatabase : ComponentResource
{
    public CloneDatabase(PlannedResources plan, ComponentResourceOptions? options = null)
        : base(ResourceTypes.CloneDatabase, DeployPlan.Clone, options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Add(DeployPlan.Clone, this);
        plan.CreateChildren(this, DeployPlan.Clone);
        Provider = plan.Get<Pg.Provider>(DeployPlan.Provider);
        Database = plan.Get<Pg.Database>(DeployPlan.Database);
        PublicRevoked = plan.Get<Pg.Grant>(DeployPlan.PublicRevoked);
        Name = Database.Name;
        RegisterOutputs(new Dictionary<string, object?> { ["name"] = Name });
    }

    public Pg.Provider Provider { get; }

    public Pg.Database Database { get; }

    public Pg.Grant PublicRevoked { get; }

    public Output<string> Name { get; }
}
