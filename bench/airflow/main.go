// Command airflow measures publishing against a real Airflow (the one
// scripts/airflow.sh started, named by SMALLFRY_AIRFLOW_*): the click on
// Publish (after the check run) to the DAG live and unpaused, and "Run
// now" to the output notebook in the app's history, beside Airflow's own
// trigger-to-task-start time of the same runs.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"time"

	"smallfry/backend/airflow"
	"smallfry/backend/auth"
	"smallfry/backend/auth/authtest"
	"smallfry/backend/publish"
	"smallfry/backend/runs"
	"smallfry/backend/smallfry"
	"smallfry/backend/workbench"
)

func main() {
	rounds := flag.Int("n", 5, "rounds")
	flag.Parse()
	url, dags, outputs := os.Getenv("SMALLFRY_AIRFLOW_URL"), os.Getenv("SMALLFRY_AIRFLOW_DAGS"), os.Getenv("SMALLFRY_AIRFLOW_OUTPUTS")
	user, pass, bin := os.Getenv("SMALLFRY_AIRFLOW_USER"), os.Getenv("SMALLFRY_AIRFLOW_PASSWORD"), os.Getenv("SMALLFRY_BIN")
	if url == "" || bin == "" {
		log.Fatal("SMALLFRY_AIRFLOW_* (scripts/airflow.sh) and SMALLFRY_BIN must be set")
	}
	ctx := context.Background()
	ws, err := os.MkdirTemp("", "smallfry-bench-airflow-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(ws)
	cfgDir := filepath.Join(ws, "config")
	app, err := smallfry.Open(ctx, smallfry.Config{Workspace: filepath.Join(ws, "workspace"), Binary: bin,
		Auth: auth.Options{Dir: cfgDir, Keychain: authtest.NewKeychain()}})
	if err != nil {
		log.Fatal(err)
	}
	defer app.Close()
	s := app.Workbench
	settings, _ := json.Marshal(map[string]any{
		"issuer": "http://127.0.0.1:9/idp", "clientId": "smallfry", "roleArn": "arn:aws:iam::123456789012:role/analyst",
		"region": "us-east-1", "lake": "s3://company-lake/analytics",
		"airflow": map[string]string{"url": url, "dags": dags, "outputs": outputs},
	})
	if _, err := s.ImportSettings(ctx, string(settings)); err != nil {
		log.Fatal(err)
	}
	if _, err := s.AirflowSignIn(ctx, workbench.AirflowLogin{User: user, Password: pass}); err != nil {
		log.Fatal(err)
	}
	af, err := airflow.New(airflow.Options{URL: url, User: user, Password: func(context.Context) (string, error) { return pass, nil }})
	if err != nil {
		log.Fatal(err)
	}
	const nb = "sales-by-brand-and-country.ipynb"
	var checks, publishes, visible, airflowStart, airflowEnd []time.Duration
	var dagID string
	for i := range *rounds {
		req := workbench.PublishRequest{Path: nb, Cron: "0 3 * * *", Timezone: "Europe/Berlin", Params: []string{fmt.Sprintf("year=%d", 1997+i%2)}}
		t0 := time.Now()
		check, err := s.CheckPublish(ctx, req)
		if err != nil || check.Failed != nil {
			log.Fatalf("check: %+v %v", check, err)
		}
		checks = append(checks, time.Since(t0))
		req.Token = check.Token
		t1 := time.Now()
		st, err := s.Publish(ctx, req)
		if err != nil {
			log.Fatal(err)
		}
		publishes = append(publishes, time.Since(t1))
		dagID = st.DagID

		t2 := time.Now()
		rec, err := s.RunNow(ctx, nb)
		if err != nil {
			log.Fatal(err)
		}
		for {
			list, err := s.Runs(ctx, nb)
			if err != nil {
				log.Fatal(err)
			}
			if i := slices.IndexFunc(list, func(r *runs.Record) bool {
				return r.Scheduled != nil && r.Scheduled.RunID == rec.Scheduled.RunID && r.Scheduled.HasOutput
			}); i >= 0 {
				if _, err := s.OpenRun(ctx, list[i].ID); err != nil {
					log.Fatal(err)
				}
				break
			}
			if time.Since(t2) > 3*time.Minute {
				log.Fatal("the scheduled run's output never showed")
			}
			time.Sleep(100 * time.Millisecond)
		}
		visible = append(visible, time.Since(t2))
		run, err := af.DAGRun(ctx, dagID, rec.Scheduled.RunID)
		if err != nil {
			log.Fatal(err)
		}
		tasks, err := af.TaskInstances(ctx, dagID, rec.Scheduled.RunID)
		if err != nil || len(tasks) == 0 || tasks[0].StartDate == nil || run.QueuedAt == nil {
			log.Fatalf("tasks %+v %v", tasks, err)
		}
		airflowStart = append(airflowStart, tasks[0].StartDate.Sub(*run.QueuedAt))
		if tasks[0].EndDate != nil {
			airflowEnd = append(airflowEnd, tasks[0].EndDate.Sub(*run.QueuedAt))
		}
	}
	if _, err := s.Unpublish(ctx, nb); err != nil {
		log.Fatal(err)
	}
	_ = publish.TaskID
	med := func(d []time.Duration) time.Duration {
		d = slices.Clone(d)
		slices.Sort(d)
		return d[len(d)/2]
	}
	fmt.Printf("%d rounds, sales notebook, Airflow %s (SQLite, LocalExecutor)\n", *rounds, url)
	fmt.Printf("  check run (fresh smallfry process)      median %6.2fs\n", med(checks).Seconds())
	fmt.Printf("  Publish click to DAG live, unpaused     median %6.2fs   (goal <= 5 s)\n", med(publishes).Seconds())
	fmt.Printf("  Run now to output in the app's history  median %6.2fs   (goal <= 10 s)\n", med(visible).Seconds())
	fmt.Printf("  Airflow: queued to task start           median %6.2fs\n", med(airflowStart).Seconds())
	fmt.Printf("  Airflow: queued to task end             median %6.2fs\n", med(airflowEnd).Seconds())
	fmt.Printf("  ratio: run now to visible / Airflow's queued to task start = %.2fx\n", med(visible).Seconds()/med(airflowStart).Seconds())
}
