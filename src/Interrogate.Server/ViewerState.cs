using Interrogate.Server.Catalog;

namespace Interrogate.Server;

/// <summary>Everything the viewer serves, found once at start: models, stores, results, and the folders that may be read.</summary>
public sealed class ViewerState : IDisposable
{
    public ViewerState(ServeOptions options)
    {
        Options = options;
        Results = ResultsCatalog.Scan(options.Results);
        Stores = new StoreCatalog(options.Stores);
        Models = new ModelCatalog(options.ModelDirectory, Results.Models);
        Allowed = new AllowedFolders([.. options.Results, .. options.Stores, .. options.ModelDirectory is null ? [] : new[] { options.ModelDirectory }]);
        Search = new UnitIndex(this);
    }

    public ServeOptions Options { get; }
    public ResultsCatalog Results { get; }
    public StoreCatalog Stores { get; }
    public ModelCatalog Models { get; }
    public AllowedFolders Allowed { get; }
    public UnitIndex Search { get; }

    /// <summary>Everything that could not be read: results files and stores, each naming its file.</summary>
    public IEnumerable<Problem> Problems =>
        Results.Problems.Concat(Stores.Entries.Where(e => e.Error is not null).Select(e => new Problem(e.Directory, e.Error!)));

    public void Dispose() => Stores.Dispose();
}
