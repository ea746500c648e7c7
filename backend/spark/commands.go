package spark

import (
	"context"

	pb "smallfry/backend/spark/proto"
)

// ParquetFiles are Parquet files under one base folder: Hive partition
// folders (key=value) between the base and each file become columns.
type ParquetFiles struct {
	Base  string   // s3a://bucket/prefix/Table/_v/VERSION
	Paths []string // the files, each under Base
}

// Run executes a command plan (a SQL statement without rows, a view, a
// write) to its end, reporting progress; it returns the operation's error.
func (c *Client) run(ctx context.Context, sql string, plan *pb.Plan, opts ExecuteOptions) error {
	s, err := c.execute(ctx, sql, plan, opts)
	if err != nil {
		return err
	}
	defer s.Release()
	for s.Next() {
	}
	return s.Err()
}

// Exec runs a SQL statement to its end, dropping any rows it returns.
func (c *Client) Exec(ctx context.Context, sql string, args map[string]any, opts ExecuteOptions) error {
	rel, err := sqlRelation(sql, args)
	if err != nil {
		return err
	}
	return c.run(ctx, sql, &pb.Plan{OpType: &pb.Plan_Root{Root: rel}}, opts)
}

// CreateParquetView registers a temporary view of the session over exactly
// the files listed (not whatever else lies in their folders), with the Hive
// partition columns each group's base gives. Groups with different bases
// (a table whose partitions were written in different versions) are
// unioned by column name.
func (c *Client) CreateParquetView(ctx context.Context, name string, groups []ParquetFiles, opts ExecuteOptions) error {
	var rel *pb.Relation
	for _, g := range groups {
		format := "parquet"
		read := &pb.Relation{RelType: &pb.Relation_Read{Read: &pb.Read{ReadType: &pb.Read_DataSource_{DataSource: &pb.Read_DataSource{
			Format: &format, Paths: g.Paths, Options: map[string]string{"basePath": g.Base},
		}}}}}
		if rel == nil {
			rel = read
			continue
		}
		all, byName := true, true
		rel = &pb.Relation{RelType: &pb.Relation_SetOp{SetOp: &pb.SetOperation{
			LeftInput: rel, RightInput: read, SetOpType: pb.SetOperation_SET_OP_TYPE_UNION, IsAll: &all, ByName: &byName,
		}}}
	}
	cmd := &pb.Command{CommandType: &pb.Command_CreateDataframeView{CreateDataframeView: &pb.CreateDataFrameViewCommand{
		Input: rel, Name: name, Replace: true,
	}}}
	return c.run(ctx, "", &pb.Plan{OpType: &pb.Plan_Command{Command: cmd}}, opts)
}

// WriteParquet runs a SQL query on the cluster and writes its result as
// Parquet files into the folder path (s3a://…), replacing what is there.
// Nothing comes back but progress.
func (c *Client) WriteParquet(ctx context.Context, sql string, args map[string]any, path string, opts ExecuteOptions) error {
	rel, err := sqlRelation(sql, args)
	if err != nil {
		return err
	}
	format := "parquet"
	cmd := &pb.Command{CommandType: &pb.Command_WriteOperation{WriteOperation: &pb.WriteOperation{
		Input: rel, Source: &format, SaveType: &pb.WriteOperation_Path{Path: path},
		Mode: pb.WriteOperation_SAVE_MODE_OVERWRITE,
	}}}
	return c.run(ctx, sql, &pb.Plan{OpType: &pb.Plan_Command{Command: cmd}}, opts)
}
