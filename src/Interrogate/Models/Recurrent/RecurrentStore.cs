using System.Text.Json.Nodes;

namespace Interrogate.Models.Recurrent;

/// <summary>
/// Saves and loads the recurrent models as Hugging Face-style folders, like the MLP and conv
/// stores: config.json (model_type "interrogate-rnn-classifier" or "interrogate-rnn-lm") and
/// model.safetensors, weights written first and the config last, each atomically. Loading checks
/// every tensor against the config; every problem is an <see cref="InputException"/> naming the file.
/// </summary>
public static class RecurrentStore
{
    public static void Save(RecurrentClassifier model, string directory)
    {
        var c = model.Config;
        ModelFiles.Save(model, new JsonObject
        {
            ["model_type"] = RecurrentClassifierConfig.ModelType,
            ["cell"] = c.Cell,
            ["input_size"] = c.InputSize,
            ["sequence_length"] = c.SequenceLength,
            ["hidden_size"] = c.HiddenSize,
            ["num_classes"] = c.NumClasses,
        }, directory);
    }

    public static void Save(RecurrentLanguageModel model, string directory)
    {
        var c = model.Config;
        ModelFiles.Save(model, new JsonObject
        {
            ["model_type"] = RecurrentLanguageModelConfig.ModelType,
            ["cell"] = c.Cell,
            ["vocab_size"] = c.VocabSize,
            ["embedding_size"] = c.EmbeddingSize,
            ["hidden_size"] = c.HiddenSize,
        }, directory);
    }

    public static RecurrentClassifier LoadClassifier(string directory)
    {
        var path = ConfigPath(directory);
        var config = ReadClassifierConfig(path);
        ModelFiles.CheckSize(directory, path, CellParameters(config.Cell, config.InputSize, config.HiddenSize) + ((double)config.HiddenSize + 1) * config.NumClasses);
        var model = new RecurrentClassifier(config, seed: 0);
        ModelFiles.LoadWeights(model, directory);
        return model;
    }

    public static RecurrentLanguageModel LoadLanguageModel(string directory)
    {
        var path = ConfigPath(directory);
        var config = ReadLanguageModelConfig(path);
        ModelFiles.CheckSize(directory, path, (double)config.VocabSize * config.EmbeddingSize
            + CellParameters(config.Cell, config.EmbeddingSize, config.HiddenSize) + ((double)config.HiddenSize + 1) * config.VocabSize);
        var model = new RecurrentLanguageModel(config, seed: 0);
        ModelFiles.LoadWeights(model, directory);
        return model;
    }

    public static RecurrentClassifierConfig ReadClassifierConfig(string path)
    {
        var obj = ModelFiles.ReadConfig(path, RecurrentClassifierConfig.ModelType);
        return new RecurrentClassifierConfig
        {
            Cell = Cell(obj, path),
            InputSize = ModelFiles.PositiveInt(obj, "input_size", path),
            SequenceLength = ModelFiles.PositiveInt(obj, "sequence_length", path),
            HiddenSize = ModelFiles.PositiveInt(obj, "hidden_size", path),
            NumClasses = ModelFiles.PositiveInt(obj, "num_classes", path),
        };
    }

    public static RecurrentLanguageModelConfig ReadLanguageModelConfig(string path)
    {
        var obj = ModelFiles.ReadConfig(path, RecurrentLanguageModelConfig.ModelType);
        return new RecurrentLanguageModelConfig
        {
            Cell = Cell(obj, path),
            VocabSize = ModelFiles.PositiveInt(obj, "vocab_size", path),
            EmbeddingSize = ModelFiles.PositiveInt(obj, "embedding_size", path),
            HiddenSize = ModelFiles.PositiveInt(obj, "hidden_size", path),
        };
    }

    /// <summary>Weights of one recurrent cell (gates × (input + hidden + 2 biases) × hidden), in doubles so a typo cannot overflow.</summary>
    private static double CellParameters(string cell, int input, int hidden) =>
        (cell == "lstm" ? 4.0 : 3.0) * hidden * ((double)input + hidden + 2);

    private static string Cell(JsonObject obj, string path)
    {
        var cell = ModelFiles.String(obj, "cell", path, "gru");
        return RecurrentLayer.CellTypes.Contains(cell) ? cell
            : throw InputException.ForFile(path, $"cell '{cell}' is not one of {string.Join(", ", RecurrentLayer.CellTypes)}");
    }

    private static string ConfigPath(string directory) =>
        Directory.Exists(directory) ? Path.Combine(directory, ModelFiles.ConfigFile)
            : throw new InputException($"{directory}: model folder not found");
}
