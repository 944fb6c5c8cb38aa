using System.Globalization;
using Interrogate.Numerics;
using Microsoft.Data.Sqlite;

namespace Interrogate.Server.Api;

/// <summary>
/// GET /api/pruning: the pruning comparisons found among the results (their JSON passed through:
/// baseline, unit, one curve per method, plus any fields newer versions add) and the models that can
/// be traced side by side. GET /api/experiments: every experiment database with each setting's runs,
/// the mean test accuracy and loss with 95% t-intervals over seeds, and the learning curves (per epoch,
/// mean and interval over seeds). GET /api/files/{root}/{path}: a results file itself, only from
/// inside a results folder.
/// </summary>
internal static class ResultsApi
{
    public static object Pruning(ViewerState state) => new
    {
        comparisons = state.Results.Comparisons.Select(c => new { file = c.File.Id, comparison = c.Comparison.DeepClone() }),
        models = state.Models.Entries.Select(m => new { id = m.Id, name = m.Name }),
    };

    public static object Experiments(ViewerState state) => new
    {
        experiments = state.Results.Experiments.Select(f =>
        {
            try { return Read(f); }
            catch (SqliteException e) { return new { file = f.Id, error = $"{f.FullPath}: not a readable experiment database ({e.Message.ReplaceLineEndings(" ")})" }; }
        }).ToList(),
    };

    private sealed record Run(string Setting, long Seed, double TestAccuracy, double TestLoss, double TrainLoss, double Seconds);

    private sealed record Point(string Setting, long Seed, int Epoch, double TrainLoss, double TestLoss, double TestAccuracy);

    private static object Read(Catalog.ResultsFile file)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = file.FullPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        using var db = new SqliteConnection(cs);
        db.Open();
        string? name = null;
        using (var c = db.CreateCommand())
        {
            c.CommandText = "SELECT value FROM experiment WHERE key = 'name'";
            name = c.ExecuteScalar() as string;
        }
        var runs = new List<Run>();
        using (var c = db.CreateCommand())
        {
            c.CommandText = "SELECT setting, seed, test_accuracy, test_loss, train_loss, seconds FROM runs ORDER BY setting, seed";
            using var r = c.ExecuteReader();
            while (r.Read()) runs.Add(new Run(r.GetString(0), r.GetInt64(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5)));
        }
        var points = new List<Point>();
        using (var c = db.CreateCommand())
        {
            c.CommandText = "SELECT setting, seed, epoch, train_loss, test_loss, test_accuracy FROM curves ORDER BY setting, epoch, seed";
            using var r = c.ExecuteReader();
            while (r.Read()) points.Add(new Point(r.GetString(0), r.GetInt64(1), r.GetInt32(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5)));
        }
        return new
        {
            file = file.Id,
            name,
            settings = runs.GroupBy(r => r.Setting).Select(g => new
            {
                setting = g.Key,
                runs = g.Select(r => new { seed = r.Seed, test_accuracy = r.TestAccuracy, test_loss = r.TestLoss, train_loss = r.TrainLoss, seconds = r.Seconds }),
                test_accuracy = Interval([.. g.Select(r => r.TestAccuracy)]),
                test_loss = Interval([.. g.Select(r => r.TestLoss)]),
                curve = points.Where(p => p.Setting == g.Key).GroupBy(p => p.Epoch).Select(e => new
                {
                    epoch = e.Key,
                    train_loss = Interval([.. e.Select(p => p.TrainLoss)]),
                    test_loss = Interval([.. e.Select(p => p.TestLoss)]),
                    test_accuracy = Interval([.. e.Select(p => p.TestAccuracy)]),
                }),
            }),
        };
    }

    /// <summary>Mean with its 95% t-interval over seeds; with one seed the interval is unknown (null bounds).</summary>
    private static object Interval(double[] values)
    {
        if (values.Length < 2) return new { mean = values.Length == 1 ? values[0] : double.NaN, low = (double?)null, high = (double?)null, n = values.Length };
        var m = Statistics.Interval(values);
        return new { mean = m.Mean, low = (double?)m.Low, high = (double?)m.High, n = m.Count };
    }

    /// <summary>A results file's bytes, when <paramref name="path"/> stays inside results folder <paramref name="root"/>.</summary>
    public static IResult File(ViewerState state, int root, string path)
    {
        if (root < 0 || root >= state.Options.Results.Count) throw new RequestException(404, $"results folder {root.ToString(CultureInfo.InvariantCulture)}: there is none");
        var allowed = new Catalog.AllowedFolders([state.Options.Results[root]]);
        var full = allowed.Find(0, Uri.UnescapeDataString(path))
            ?? throw new RequestException(404, $"{path}: not a file inside results folder {root.ToString(CultureInfo.InvariantCulture)}");
        var type = full.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "application/json" : "application/octet-stream";
        return Results.File(full, type);
    }
}
