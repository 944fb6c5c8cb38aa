using Interrogate.Data;
using Interrogate.Sharding;

namespace Interrogate.Training.Experiments;

/// <summary>Where an experiment stands: run <c>Index</c> (1-based) of <c>Total</c>, and how far that run is.</summary>
public sealed record ExperimentProgress(int Index, int Total, string Setting, ulong Seed, double RunFraction, bool Reused);

/// <summary>
/// Runs every (setting, seed) of a spec that the database does not already hold, recording each as
/// it finishes, then summarises all of them. Seeds are the outer loop, so a run stopped half-way has
/// balanced partial results and resumes where it stopped.
/// </summary>
public static class ExperimentRunner
{
    /// <param name="spec">The experiment.</param>
    /// <param name="store">Its database (that shard's, when sharded).</param>
    /// <param name="train">Training images.</param>
    /// <param name="test">Test images.</param>
    /// <param name="progress">Called as runs advance.</param>
    /// <param name="cancel">Stops between steps; finished runs stay recorded.</param>
    /// <param name="shard">Run only this shard's contiguous part of the cells (the store must be that shard's); null for all.</param>
    public static ExperimentResult Run(ExperimentSpec spec, ExperimentStore store, LabelledImages train, LabelledImages test,
        Action<ExperimentProgress>? progress = null, CancellationToken cancel = default, ShardSpec? shard = null)
    {
        var cells = ExperimentStore.ShardCells(spec, shard);
        int executed = 0, reused = 0;
        for (int i = 0; i < cells.Count; i++)
        {
            var (setting, seed) = cells[i];
            if (store.IsComplete(setting.Name, seed))
            {
                reused++;
                progress?.Invoke(new ExperimentProgress(i + 1, cells.Count, setting.Name, seed, 1, Reused: true));
                continue;
            }
            var result = RunTrainer.Run(setting, seed, train, test,
                f => progress?.Invoke(new ExperimentProgress(i + 1, cells.Count, setting.Name, seed, f, Reused: false)), cancel);
            store.Save(result, setting.Config);
            executed++;
        }
        var names = spec.Settings.Select(s => s.Name).ToHashSet();
        var seeds = spec.Seeds.ToHashSet();
        var runs = store.LoadAll().Where(r => names.Contains(r.Setting) && seeds.Contains(r.Seed)).ToList();
        return new ExperimentResult(spec, ExperimentResult.Summarise(spec, runs), runs, executed, reused);
    }
}
